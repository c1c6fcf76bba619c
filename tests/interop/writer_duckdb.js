'use strict';
/*
 * writer_duckdb.js — files written by `lakesink parquet write` must read back in DuckDB
 * with the values of the input and the intended types: every Delta type, nulls
 * everywhere, every codec, small row groups and pages, dictionary and PLAIN. For each
 * written file it checks
 *   - values: DuckDB's rows == the input NDJSON == `lakesink parquet cat`, canonicalised;
 *   - types: parquet_schema() physical/logical/converted types, repetition, 3-level LIST
 *     and MAP groups, TIMESTAMP(MICROS) with the intended isAdjustedToUTC, no INT96/NANOS;
 *   - metadata: parquet_metadata() codec, statistics present, null counts exact.
 * Usage: node writer_duckdb.js WORKDIR  (env LAKESINK = the binary)
 */

const fs = require('fs');
const path = require('path');
const { canonDuckRows, canonJsonRows, parseNdjson, firstDiff } = require('./lib/canon');
const { lakesink, openDuck, sqlStr, query, queryObjects, Ledger, duckdb } = require('./lib/util');

const T = duckdb.DuckDBTypeId;

const FIXTURES = path.join(__dirname, 'fixtures');
const CODECS = [['zstd', 'ZSTD'], ['snappy', 'SNAPPY'], ['gzip', 'GZIP'], ['lz4_raw', 'LZ4_RAW'],
    ['brotli', 'BROTLI'], ['none', 'UNCOMPRESSED']];

/* ------------------------------------------------------------ Delta schema */

function parseDeltaType(t) {
    if (typeof t === 'string') {
        const m = /^decimal\((\d+),\s*(\d+)\)$/.exec(t);
        return m ? { kind: 'decimal', precision: +m[1], scale: +m[2] } : { kind: t };
    }
    if (t.type === 'struct') {
        return { kind: 'struct', fields: t.fields.map((f) => ({ name: f.name, nullable: f.nullable, type: parseDeltaType(f.type) })) };
    }
    if (t.type === 'array') return { kind: 'array', element: parseDeltaType(t.elementType), containsNull: t.containsNull };
    if (t.type === 'map') {
        return { kind: 'map', key: parseDeltaType(t.keyType), value: parseDeltaType(t.valueType), valueContainsNull: t.valueContainsNull };
    }
    throw new Error(`unknown Delta type ${JSON.stringify(t)}`);
}

/* The schema the inference rules of json.h give for events.ndjson. */
const EVENTS_SCHEMA = {
    kind: 'struct',
    fields: [
        ['user_id', { kind: 'string' }], ['event_type', { kind: 'string' }],
        ['timestamp', { kind: 'timestamp' }], ['page_url', { kind: 'string' }],
        ['session_id', { kind: 'string' }],
        ['properties', {
            kind: 'struct',
            fields: [['category', { kind: 'string' }], ['price', { kind: 'double' }], ['quantity', { kind: 'long' }],
                ['metadata', { kind: 'struct', fields: [['campaign', { kind: 'string' }], ['ab', { kind: 'string' }]].map(([name, type]) => ({ name, type, nullable: true })) }]]
                .map(([name, type]) => ({ name, type, nullable: true })),
        }],
        ['tags', { kind: 'array', element: { kind: 'string' }, containsNull: true }],
        ['day', { kind: 'date' }],
    ].map(([name, type]) => ({ name, type, nullable: true })),
};

/* ------------------------------------------------------------ expected types */

const DUCK_PRIMITIVE = {
    string: T.VARCHAR, binary: T.BLOB, boolean: T.BOOLEAN, byte: T.TINYINT, short: T.SMALLINT,
    integer: T.INTEGER, long: T.BIGINT, float: T.FLOAT, double: T.DOUBLE, date: T.DATE,
    timestamp: T.TIMESTAMP_TZ, timestamp_ntz: T.TIMESTAMP, decimal: T.DECIMAL,
};

/* Differences between the DuckDB column type and the Delta type it should be. */
function checkDuckType(delta, duck, where, errs) {
    const k = delta.kind;
    if (k === 'struct') {
        if (duck.typeId !== T.STRUCT) { errs.push(`${where}: DuckDB type ${duck} is not a STRUCT`); return; }
        const names = delta.fields.map((f) => f.name);
        if (JSON.stringify(names) !== JSON.stringify(duck.entryNames)) {
            errs.push(`${where}: fields ${JSON.stringify(duck.entryNames)}, want ${JSON.stringify(names)}`);
            return;
        }
        delta.fields.forEach((f, i) => checkDuckType(f.type, duck.entryTypes[i], `${where}.${f.name}`, errs));
    } else if (k === 'array') {
        if (duck.typeId !== T.LIST) { errs.push(`${where}: DuckDB type ${duck} is not a LIST`); return; }
        checkDuckType(delta.element, duck.valueType, `${where}[]`, errs);
    } else if (k === 'map') {
        if (duck.typeId !== T.MAP) { errs.push(`${where}: DuckDB type ${duck} is not a MAP`); return; }
        checkDuckType(delta.key, duck.keyType, `${where}.key`, errs);
        checkDuckType(delta.value, duck.valueType, `${where}.value`, errs);
    } else if (duck.typeId !== DUCK_PRIMITIVE[k]) {
        errs.push(`${where}: DuckDB reads ${duck}, want the type of Delta ${k}`);
    } else if (k === 'decimal' && (duck.width !== delta.precision || duck.scale !== delta.scale)) {
        errs.push(`${where}: ${duck}, want DECIMAL(${delta.precision},${delta.scale})`);
    }
}

function decimalBytes(p) {
    let n = 1;
    while (2n ** BigInt(8 * n - 1) <= 10n ** BigInt(p) - 1n) n++;
    return n;
}

/* Expected physical type and annotations of a primitive leaf. */
function leafExpect(t) {
    const ts = (utc) => ({ type: 'INT64', logical: new RegExp(`^TimestampType\\(isAdjustedToUTC=${utc ? 1 : 0}, unit=TimeUnit\\(MILLIS=<null>, MICROS=MicroSeconds\\(\\), NANOS=<null>\\)\\)$`) });
    switch (t.kind) {
    case 'string': return { type: 'BYTE_ARRAY', converted: 'UTF8', logical: /^StringType\(\)$/ };
    case 'binary': return { type: 'BYTE_ARRAY', converted: null, logical: null };
    case 'boolean': return { type: 'BOOLEAN', converted: null };
    /* DuckDB prints the i8 bitWidth as a raw character */
    case 'byte': return { type: 'INT32', converted: 'INT_8', logical: /^IntType\(bitWidth=(8|\x08), isSigned=1\)$/ };
    case 'short': return { type: 'INT32', converted: 'INT_16', logical: /^IntType\(bitWidth=(16|\x10), isSigned=1\)$/ };
    case 'integer': return { type: 'INT32', convertedAny: [null, 'INT_32'] };
    case 'long': return { type: 'INT64', convertedAny: [null, 'INT_64'] };
    case 'float': return { type: 'FLOAT', converted: null };
    case 'double': return { type: 'DOUBLE', converted: null };
    case 'date': return { type: 'INT32', converted: 'DATE', logical: /^DateType\(\)$/ };
    case 'timestamp': return { ...ts(true), converted: 'TIMESTAMP_MICROS' };
    case 'timestamp_ntz': return ts(false);
    case 'decimal': {
        const type = t.precision <= 9 ? 'INT32' : t.precision <= 18 ? 'INT64' : 'FIXED_LEN_BYTE_ARRAY';
        return {
            type, converted: 'DECIMAL', scale: t.scale, precision: t.precision,
            typeLength: type === 'FIXED_LEN_BYTE_ARRAY' ? decimalBytes(t.precision) : null,
            logical: new RegExp(`^DecimalType\\(scale=${t.scale}, precision=${t.precision}\\)$`),
        };
    }
    default: throw new Error(`no expectation for ${t.kind}`);
    }
}

/* parquet_schema() rows as a tree (depth-first order, num_children). */
function schemaTree(rows) {
    let i = 0;
    function node() {
        const r = rows[i++];
        const n = r.num_children === null ? 0 : Number(r.num_children);
        const children = [];
        for (let k = 0; k < n; k++) children.push(node());
        return { ...r, children };
    }
    return node();
}

/* Differences between a parquet_schema() node and the Delta type it should encode. */
function checkPqNode(node, t, required, where, errs) {
    const want = required ? 'REQUIRED' : 'OPTIONAL';
    if (node.repetition_type !== want) errs.push(`${where}: repetition ${node.repetition_type}, want ${want}`);
    const kids = node.children;
    if (t.kind === 'struct') {
        if (node.type !== null || kids.length !== t.fields.length) {
            errs.push(`${where}: want a group of ${t.fields.length} fields`);
            return;
        }
        t.fields.forEach((f, i) => {
            if (kids[i].name !== f.name) errs.push(`${where}: child ${i} is ${kids[i].name}, want ${f.name}`);
            checkPqNode(kids[i], f.type, !f.nullable, `${where}.${f.name}`, errs);
        });
    } else if (t.kind === 'array' || t.kind === 'map') {
        const list = t.kind === 'array';
        const [ct, mid, n] = list ? ['LIST', 'list', 1] : ['MAP', 'key_value', 2];
        if (node.converted_type !== ct) errs.push(`${where}: converted ${node.converted_type}, want ${ct}`);
        const g = kids[0];
        if (kids.length !== 1 || g.name !== mid || g.repetition_type !== 'REPEATED' || g.children.length !== n) {
            errs.push(`${where}: want a 3-level ${ct}: one repeated group '${mid}' with ${n} child(ren)`);
            return;
        }
        if (list) {
            if (g.children[0].name !== 'element') errs.push(`${where}: list child is ${g.children[0].name}, want element`);
            checkPqNode(g.children[0], t.element, !t.containsNull, `${where}.list.element`, errs);
        } else {
            if (g.children[0].name !== 'key' || g.children[1].name !== 'value') errs.push(`${where}: want key and value`);
            checkPqNode(g.children[0], t.key, true, `${where}.key_value.key`, errs);
            checkPqNode(g.children[1], t.value, !t.valueContainsNull, `${where}.key_value.value`, errs);
        }
    } else {
        checkPqLeaf(node, leafExpect(t), where, errs);
    }
}

function checkPqLeaf(node, e, where, errs) {
    if (node.type !== e.type) errs.push(`${where}: physical ${node.type}, want ${e.type}`);
    if ('converted' in e && node.converted_type !== e.converted) {
        errs.push(`${where}: converted ${node.converted_type}, want ${e.converted}`);
    }
    if (e.convertedAny && !e.convertedAny.includes(node.converted_type)) {
        errs.push(`${where}: converted ${node.converted_type}, want one of ${e.convertedAny}`);
    }
    if (e.logical === null && node.logical_type !== null) errs.push(`${where}: logical ${node.logical_type}, want none`);
    if (e.logical && !(node.logical_type && e.logical.test(node.logical_type))) {
        errs.push(`${where}: logical ${node.logical_type}, want ${e.logical}`);
    }
    if (e.scale !== undefined && (Number(node.scale) !== e.scale || Number(node.precision) !== e.precision)) {
        errs.push(`${where}: decimal(${node.precision},${node.scale}), want (${e.precision},${e.scale})`);
    }
    if (e.typeLength && Number(node.type_length) !== e.typeLength) {
        errs.push(`${where}: type_length ${node.type_length}, want ${e.typeLength}`);
    }
}

/* ------------------------------------------------------------ generated input */

function mulberry32(seed) {
    return () => {
        seed = (seed + 0x6d2b79f5) | 0;
        let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
        t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
        return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
}

const GENERATED_SCHEMA = {
    type: 'struct',
    fields: [
        ['id', 'long', false], ['s', 'string'], ['n', 'integer'], ['x', 'double'], ['f', 'float'],
        ['d', 'decimal(18,4)'], ['ts', 'timestamp'], ['day', 'date'], ['b', 'boolean'],
        ['tags', { type: 'array', elementType: 'string', containsNull: true }],
        ['attrs', { type: 'map', keyType: 'string', valueType: 'long', valueContainsNull: true }],
        ['p', { type: 'struct', fields: [{ name: 'a', type: 'long', nullable: true, metadata: {} }, { name: 'b', type: 'string', nullable: true, metadata: {} }] }],
    ].map(([name, type, nullable = true]) => ({ name, type, nullable, metadata: {} })),
};

/* `n` deterministic rows exercising dictionaries (repeated values), unique strings, nulls. */
function generateRows(n) {
    const rnd = mulberry32(42);
    const pick = (a) => a[Math.floor(rnd() * a.length)];
    const words = ['alpha', 'beta', 'gamma', 'delta', 'épsilon', '', 'zeta ✓'];
    const lines = [];
    for (let i = 0; i < n; i++) {
        const maybe = (v) => (rnd() < 0.1 ? null : v);
        const row = {
            id: i,
            s: maybe(rnd() < 0.5 ? pick(words) : `unique-${i}-${Math.floor(rnd() * 1e9)}`),
            n: maybe(Math.floor(rnd() * 4294967296) - 2147483648),
            x: maybe(rnd() < 0.02 ? 'NaN' : (rnd() - 0.5) * 1e6),
            f: maybe(rnd() < 0.02 ? 'NaN' : Math.fround((rnd() - 0.5) * 1e3)),
            d: maybe(`${Math.floor(rnd() * 2e9) - 1e9}.${String(Math.floor(rnd() * 1e4)).padStart(4, '0')}`),
            ts: maybe(new Date(Date.UTC(2020, 0, 1) + Math.floor(rnd() * 1e11)).toISOString()),
            day: maybe(new Date(Date.UTC(1950, 0, 1) + Math.floor(rnd() * 3e12)).toISOString().slice(0, 10)),
            b: maybe(rnd() < 0.5),
            tags: maybe(Array.from({ length: Math.floor(rnd() * 4) }, () => maybe(pick(words)))),
            attrs: maybe(Object.fromEntries(Array.from({ length: Math.floor(rnd() * 3) }, (_, k) => [`k${k}`, maybe(Math.floor(rnd() * 1000))]))),
            p: maybe({ a: maybe(i * 7), b: maybe(pick(words)) }),
        };
        lines.push(JSON.stringify(row));
    }
    return `${lines.join('\n')}\n`;
}

/* ------------------------------------------------------------ checks */

function countNulls(rows, name) {
    return rows.filter((r) => r.get(name) === null || r.get(name) === undefined).length;
}

async function checkFile(L, con, c, codec, out) {
    const tag = `${c.name}/${codec[0]}`;
    const f = sqlStr(out);
    const duck = await query(con, `SELECT * FROM read_parquet(${f})`);
    const input = parseNdjson(fs.readFileSync(c.input, 'utf8'));
    const want = canonJsonRows(duck.names, duck.types, input);
    const got = canonDuckRows(duck.names, duck.types, duck.rows);
    L.check(!firstDiff(want, got), `${tag}: DuckDB values == input`, () => firstDiff(want, got));

    const cat = lakesink(['parquet', 'cat', out]);
    if (L.check(cat.status === 0, `${tag}: lakesink parquet cat`, () => `exit ${cat.status} ${cat.signal || ''}: ${cat.stderr}`)) {
        const ours = canonJsonRows(duck.names, duck.types, parseNdjson(cat.stdout));
        L.check(!firstDiff(ours, got), `${tag}: lakesink cat == DuckDB`, () => firstDiff(ours, got));
    }

    const meta = await queryObjects(con, `SELECT * FROM parquet_metadata(${f})`);
    const codecs = [...new Set(meta.map((m) => m.compression))];
    L.check(codecs.length === 1 && codecs[0] === codec[1], `${tag}: codec`, `compression ${codecs}, want ${codec[1]}`);
    const noNulls = meta.filter((m) => m.stats_null_count === null).map((m) => m.path_in_schema);
    L.check(noNulls.length === 0, `${tag}: null_count in every chunk`, `missing in ${[...new Set(noNulls)]}`);
    for (const field of c.schema.fields.filter((fl) => !['struct', 'array', 'map'].includes(fl.type.kind))) {
        const chunks = meta.filter((m) => m.path_in_schema === field.name);
        const nulls = chunks.reduce((a, m) => a + Number(m.stats_null_count), 0);
        const expect = countNulls(input, field.name);
        L.check(nulls === expect, `${tag}: ${field.name} null_count`, `sum ${nulls}, want ${expect}`);
        const raw = input.map((r) => r.get(field.name));
        const values = raw.filter((v) => v !== null && v !== undefined && v !== 'NaN');
        /* a chunk holding NaN gets no bounds: only a NaN-free column must have them everywhere */
        const hasNaN = raw.includes('NaN');
        /* DuckDB shows an infinite min or max as NULL: only finite bounds can be checked */
        const checkMin = !values.includes('-Infinity');
        const checkMax = !values.includes('Infinity');
        if (values.length > 0 && !hasNaN && field.type.kind !== 'boolean' && (checkMin || checkMax)) {
            const withMinMax = chunks.filter((m) => (!checkMin || m.stats_min_value !== null) && (!checkMax || m.stats_max_value !== null));
            L.check(withMinMax.length > 0, `${tag}: ${field.name} min/max`, 'no chunk has min_value/max_value');
        }
    }
    return meta;
}

async function checkTypes(L, con, c, out) {
    const f = sqlStr(out);
    const rows = await queryObjects(con, `SELECT * FROM parquet_schema(${f})`);
    const errs = [];
    const bad = rows.filter((r) => r.type === 'INT96' || /NANOS=NanoSeconds/.test(r.logical_type || ''));
    bad.forEach((r) => errs.push(`${r.name}: ${r.type} ${r.logical_type}`));
    const root = schemaTree(rows);
    if (root.children.length !== c.schema.fields.length) errs.push(`root has ${root.children.length} fields`);
    c.schema.fields.forEach((fl, i) => root.children[i] && checkPqNode(root.children[i], fl.type, !fl.nullable, fl.name, errs));
    L.check(errs.length === 0, `${c.name}: Parquet schema`, () => errs.join('; '));

    const duck = await query(con, `SELECT * FROM read_parquet(${f}) LIMIT 0`);
    const derrs = [];
    c.schema.fields.forEach((fl, i) => (duck.types[i] ? checkDuckType(fl.type, duck.types[i], fl.name, derrs) : derrs.push(`${fl.name} missing`)));
    L.check(derrs.length === 0, `${c.name}: DuckDB column types`, () => derrs.join('; '));
}

function writeFile(L, c, codec, out) {
    const args = ['parquet', 'write', out, c.input, '--codec', codec[0], ...(c.args || [])];
    if (c.schemaFile) args.push('--schema', c.schemaFile);
    const r = lakesink(args);
    const tag = `${c.name}/${codec[0]}`;
    if (!L.check(r.status === 0, `${tag}: write`, () => `exit ${r.status} ${r.signal || ''}: ${r.stderr}`)) return false;
    let s = null;
    try { s = JSON.parse(r.stdout); } catch (e) { /* reported below */ }
    if (!L.check(s !== null, `${tag}: summary is JSON`, r.stdout)) return false;
    const rows = parseNdjson(fs.readFileSync(c.input, 'utf8')).length;
    L.check(s.rows === rows && s.bad_lines === 0, `${tag}: summary rows`, `${r.stdout.trim()} (want ${rows} rows)`);
    L.check(s.bytes === fs.statSync(out).size, `${tag}: summary bytes`, `${s.bytes} vs ${fs.statSync(out).size}`);
    if (c.rowGroups) L.check(s.row_groups === c.rowGroups, `${tag}: row groups`, `${s.row_groups}, want ${c.rowGroups}`);
    L.check(!fs.existsSync(`${out}.tmp`), `${tag}: no .tmp left`, `${out}.tmp exists`);
    return true;
}

async function main() {
    const work = process.argv[2];
    const L = new Ledger('writer_duckdb');
    const con = await openDuck(1);
    const gen = path.join(work, 'generated.ndjson');
    const genSchema = path.join(work, 'generated.schema.json');
    fs.writeFileSync(gen, generateRows(3000));
    fs.writeFileSync(genSchema, JSON.stringify(GENERATED_SCHEMA));
    const fixture = (n) => path.join(FIXTURES, n);
    const load = (p) => parseDeltaType(JSON.parse(fs.readFileSync(p, 'utf8')));
    const cases = [
        { name: 'all_types', input: fixture('all_types.ndjson'), schemaFile: fixture('all_types.schema.json') },
        { name: 'all_types_plain', input: fixture('all_types.ndjson'), schemaFile: fixture('all_types.schema.json'), args: ['--no-dictionary'] },
        { name: 'nested', input: fixture('nested.ndjson'), schemaFile: fixture('nested.schema.json') },
        { name: 'nested_rg2', input: fixture('nested.ndjson'), schemaFile: fixture('nested.schema.json'), args: ['--row-group-rows', '2'], rowGroups: 4 },
        { name: 'events_inferred', input: fixture('events.ndjson'), schema: EVENTS_SCHEMA },
        { name: 'generated_rg500', input: gen, schemaFile: genSchema, args: ['--row-group-rows', '500', '--page-bytes', '2K'], rowGroups: 6 },
        { name: 'generated_small_rg', input: gen, schemaFile: genSchema, args: ['--row-group-bytes', '16K', '--page-bytes', '1K', '--no-dictionary'] },
    ];
    for (const c of cases) {
        c.schema = c.schema || load(c.schemaFile);
        for (const codec of CODECS) {
            const out = path.join(work, `${c.name}.${codec[0]}.parquet`);
            if (!writeFile(L, c, codec, out)) continue;
            try {
                const meta = await checkFile(L, con, c, codec, out);
                if (c.name === 'generated_small_rg' && codec[0] === 'zstd') {
                    const rgs = new Set(meta.map((m) => m.row_group_id)).size;
                    L.check(rgs > 1, `${c.name}: several row groups from --row-group-bytes`, `${rgs} row group(s)`);
                }
                if (codec[0] === 'zstd') await checkTypes(L, con, c, out);
            } catch (e) {
                L.fail(`${c.name}/${codec[0]}`, e.stack || e.message);
            }
        }
    }
    L.finish();
}

main().catch((e) => { console.error(e); process.exit(1); });
