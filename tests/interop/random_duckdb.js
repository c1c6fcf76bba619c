'use strict';
/*
 * random_duckdb.js — random-schema files (tests/interop/randcase_gen.c: the generator of
 * the round-trip unit test, every Delta type nested in structs, arrays and maps, nulls,
 * empty collections, edge values) must read back in DuckDB with the rows our NDJSON
 * printer gave for the same batch, and with the intended types. For each case it checks
 *   (a) <seed>.parquet, written by ls_pq_writer_* with random codec, row-group and page
 *       sizes and dictionary on/off: DuckDB's rows == <seed>.ndjson (canonicalised by
 *       lib/canon.js), DuckDB column types, codec and row-group count;
 *   (b) `lakesink parquet write <seed>.cli.parquet <seed>.ndjson --schema …` (the JSON
 *       decoder on random nested data): DuckDB's rows == <seed>.ndjson as well;
 *   (c) `lakesink parquet cat` of both files prints <seed>.ndjson byte for byte;
 *   (d) parquet_schema() of both files: physical/converted/logical types per Delta type,
 *       TIMESTAMP(MICROS) with the right isAdjustedToUTC, no INT96 or NANOS, 3-level
 *       LIST and MAP groups, repetition from nullability, decimal physical type by
 *       precision;
 *   (e) row-group statistics as DuckDB uses them: filters pushed into the scan of
 *       <seed>.parquet (=, <, > at the min and max, IS NULL) count the same rows as over
 *       an in-memory copy.
 * Not responsible for: generating the cases (randcase_gen) or fixed fixtures
 * (writer_duckdb.js, pqwrite_duckdb.js).
 * Usage: node random_duckdb.js DIR   (DIR holds randcase_gen's output; env LAKESINK)
 */

const fs = require('fs');
const path = require('path');
const { canonDuckRows, canonJsonRows, parseNdjson, firstDiff } = require('./lib/canon');
const { lakesink, openDuck, sqlStr, query, queryObjects, Ledger, duckdb } = require('./lib/util');

const T = duckdb.DuckDBTypeId;
const dir = process.argv[2];
const L = new Ledger('random_duckdb');

/* ------------------------------------------------------------ Delta types */

/* Delta schema JSON -> {kind, ...}; the same shape writer_duckdb.js uses (it exports nothing). */
function deltaType(t) {
    if (typeof t === 'string') {
        const m = /^decimal\((\d+),\s*(\d+)\)$/.exec(t);
        return m ? { kind: 'decimal', precision: +m[1], scale: +m[2] } : { kind: t };
    }
    switch (t.type) {
    case 'struct':
        return { kind: 'struct', fields: t.fields.map((f) => ({ name: f.name, nullable: f.nullable, type: deltaType(f.type) })) };
    case 'array': return { kind: 'array', element: deltaType(t.elementType), containsNull: t.containsNull };
    case 'map':
        return { kind: 'map', key: deltaType(t.keyType), value: deltaType(t.valueType), valueContainsNull: t.valueContainsNull };
    default: throw new Error(`unknown Delta type ${JSON.stringify(t)}`);
    }
}

/* ------------------------------------------------------------ DuckDB column types */

const DUCK = {
    string: T.VARCHAR, binary: T.BLOB, boolean: T.BOOLEAN, byte: T.TINYINT, short: T.SMALLINT,
    integer: T.INTEGER, long: T.BIGINT, float: T.FLOAT, double: T.DOUBLE, date: T.DATE,
    timestamp: T.TIMESTAMP_TZ, timestamp_ntz: T.TIMESTAMP, decimal: T.DECIMAL,
};
const DUCK_NESTED = { struct: T.STRUCT, array: T.LIST, map: T.MAP };

/* The value comparison is driven by DuckDB's types, so they must be checked on their own. */
function duckTypeErrs(t, d, where, errs) {
    const want = DUCK_NESTED[t.kind] || DUCK[t.kind];
    if (d.typeId !== want) {
        errs.push(`${where}: DuckDB reads ${d}, want the type of Delta ${t.kind}`);
    } else if (t.kind === 'struct') {
        const names = t.fields.map((f) => f.name).join(',');
        if (names !== d.entryNames.join(',')) errs.push(`${where}: fields ${d.entryNames}, want ${names}`);
        else t.fields.forEach((f, i) => duckTypeErrs(f.type, d.entryTypes[i], `${where}.${f.name}`, errs));
    } else if (t.kind === 'array') {
        duckTypeErrs(t.element, d.valueType, `${where}[]`, errs);
    } else if (t.kind === 'map') {
        duckTypeErrs(t.key, d.keyType, `${where}.key`, errs);
        duckTypeErrs(t.value, d.valueType, `${where}.value`, errs);
    } else if (t.kind === 'decimal' && (d.width !== t.precision || d.scale !== t.scale)) {
        errs.push(`${where}: ${d}, want DECIMAL(${t.precision},${t.scale})`);
    }
}

/* ------------------------------------------------------------ Parquet schema */

/* DuckDB prints IntType's bitWidth (an i8) either as a number or as the raw character. */
const intType = (w) => new RegExp(`^IntType\\(bitWidth=(${w}|\\x${w.toString(16).padStart(2, '0')}), isSigned=1\\)$`);
const tsType = (utc) => new RegExp(`^TimestampType\\(isAdjustedToUTC=${utc}, unit=TimeUnit\\(MILLIS=<null>, MICROS=MicroSeconds\\(\\), NANOS=<null>\\)\\)$`);

/* Bytes of the FIXED_LEN_BYTE_ARRAY form of a decimal of precision p. */
function fixedWidth(p) {
    let n = 1;
    while (2n ** BigInt(8 * n - 1) <= 10n ** BigInt(p)) n++;
    return n;
}

/* [physical, converted (array = any of), logical (null = none, RegExp, array = any of)] */
function leafWant(t) {
    switch (t.kind) {
    case 'string': return ['BYTE_ARRAY', 'UTF8', /^StringType\(\)$/];
    case 'binary': return ['BYTE_ARRAY', null, null];
    case 'boolean': return ['BOOLEAN', null, null];
    case 'byte': return ['INT32', 'INT_8', intType(8)];
    case 'short': return ['INT32', 'INT_16', intType(16)];
    case 'integer': return ['INT32', [null, 'INT_32'], [null, intType(32)]];
    case 'long': return ['INT64', [null, 'INT_64'], [null, intType(64)]];
    case 'float': return ['FLOAT', null, null];
    case 'double': return ['DOUBLE', null, null];
    case 'date': return ['INT32', 'DATE', /^DateType\(\)$/];
    case 'timestamp': return ['INT64', 'TIMESTAMP_MICROS', tsType(1)];
    /* the converted TIMESTAMP_MICROS means UTC-adjusted: a local timestamp must not carry it */
    case 'timestamp_ntz': return ['INT64', null, tsType(0)];
    case 'decimal': {
        const phys = t.precision <= 9 ? 'INT32' : t.precision <= 18 ? 'INT64' : 'FIXED_LEN_BYTE_ARRAY';
        return [phys, 'DECIMAL', new RegExp(`^DecimalType\\(scale=${t.scale}, precision=${t.precision}\\)$`)];
    }
    default: throw new Error(`no expectation for ${t.kind}`);
    }
}

const anyOf = (want, test) => (Array.isArray(want) ? want : [want]).some(test);

function leafErrs(n, t, where, errs) {
    const [phys, conv, logical] = leafWant(t);
    if (n.type !== phys) errs.push(`${where}: physical ${n.type}, want ${phys}`);
    if (!anyOf(conv, (c) => c === n.converted_type)) errs.push(`${where}: converted ${n.converted_type}, want ${conv}`);
    if (!anyOf(logical, (re) => (re === null ? n.logical_type === null : re.test(n.logical_type || '')))) {
        errs.push(`${where}: logical ${n.logical_type}, want ${logical}`);
    }
    if (t.kind === 'decimal') {
        if (Number(n.precision) !== t.precision || Number(n.scale) !== t.scale) {
            errs.push(`${where}: decimal(${n.precision},${n.scale}), want (${t.precision},${t.scale})`);
        }
        if (phys === 'FIXED_LEN_BYTE_ARRAY' && Number(n.type_length) !== fixedWidth(t.precision)) {
            errs.push(`${where}: type_length ${n.type_length}, want ${fixedWidth(t.precision)}`);
        }
    }
}

/*
 * Walk parquet_schema() rows (depth-first) against the Delta type they should encode.
 * Returns the index of the row after the subtree at rows[i].
 */
function pqWalk(rows, i, t, required, where, errs) {
    const n = rows[i];
    if (n === undefined) { errs.push(`${where}: missing`); return i; }
    const rep = required ? 'REQUIRED' : 'OPTIONAL';
    if (n.repetition_type !== rep) errs.push(`${where}: ${n.repetition_type}, want ${rep}`);
    const kids = n.num_children === null ? 0 : Number(n.num_children);
    if (t.kind === 'struct') {
        if (n.type !== null || kids !== t.fields.length) {
            errs.push(`${where}: want a group of ${t.fields.length} fields`);
            return rows.length;
        }
        let k = i + 1;
        for (const f of t.fields) {
            if (rows[k] && rows[k].name !== f.name) errs.push(`${where}: field ${rows[k].name}, want ${f.name}`);
            k = pqWalk(rows, k, f.type, !f.nullable, `${where}.${f.name}`, errs);
        }
        return k;
    }
    if (t.kind === 'array' || t.kind === 'map') {
        const list = t.kind === 'array';
        const [conv, logical, mid, nmid] = list ? ['LIST', 'ListType()', 'list', 1] : ['MAP', 'MapType()', 'key_value', 2];
        if (n.converted_type !== conv || n.logical_type !== logical) {
            errs.push(`${where}: ${n.converted_type}/${n.logical_type}, want ${conv}/${logical}`);
        }
        const g = rows[i + 1];
        if (kids !== 1 || !g || g.name !== mid || g.repetition_type !== 'REPEATED' || Number(g.num_children) !== nmid) {
            errs.push(`${where}: want a 3-level ${conv}: one repeated group '${mid}' of ${nmid}`);
            return rows.length;
        }
        const names = list ? ['element'] : ['key', 'value'];
        const types = list ? [[t.element, !t.containsNull]] : [[t.key, true], [t.value, !t.valueContainsNull]];
        let k = i + 2;
        types.forEach(([ct, req], j) => {
            if (rows[k] && rows[k].name !== names[j]) errs.push(`${where}.${mid}: child ${rows[k].name}, want ${names[j]}`);
            k = pqWalk(rows, k, ct, req, `${where}.${mid}.${names[j]}`, errs);
        });
        return k;
    }
    if (kids !== 0) errs.push(`${where}: a group, want a ${t.kind} leaf`);
    else leafErrs(n, t, where, errs);
    return i + 1;
}

function parquetSchemaErrs(rows, schema) {
    const errs = [];
    for (const r of rows) {
        if (r.type === 'INT96' || /NANOS=NanoSeconds/.test(r.logical_type || '')) errs.push(`${r.name}: ${r.type} ${r.logical_type}`);
    }
    if (Number(rows[0].num_children) !== schema.fields.length) errs.push(`root has ${rows[0].num_children} fields`);
    let k = 1;
    for (const f of schema.fields) k = pqWalk(rows, k, f.type, !f.nullable, f.name, errs);
    if (k !== rows.length) errs.push(`${rows.length - k} schema element(s) left over`);
    return errs;
}

/* ------------------------------------------------------------ checks */

const stats = { rowGroups: 0, dictFiles: 0, codecs: {}, probed: 0, nanProbed: 0 };

async function checkDuck(con, tag, file, c, input, direct) {
    const f = sqlStr(file);
    const got = await query(con, `SELECT * FROM read_parquet(${f})`);
    const terrs = [];
    if (got.names.join(',') !== c.schema.fields.map((fl) => fl.name).join(',')) {
        terrs.push(`columns ${got.names}`);
    } else {
        c.schema.fields.forEach((fl, i) => duckTypeErrs(fl.type, got.types[i], fl.name, terrs));
    }
    L.check(terrs.length === 0, `${tag}: DuckDB column types`, () => terrs.join('; '));
    const want = canonJsonRows(got.names, got.types, input);
    const rows = canonDuckRows(got.names, got.types, got.rows);
    L.check(!firstDiff(want, rows), `${tag}: DuckDB rows == ndjson`, () => `${c.desc}\n${firstDiff(want, rows)}`);

    const serrs = parquetSchemaErrs(await queryObjects(con, `SELECT * FROM parquet_schema(${f})`), c.schema);
    L.check(serrs.length === 0, `${tag}: Parquet schema`, () => serrs.join('; '));
    if (direct) {
        const meta = await queryObjects(con, `SELECT row_group_id, compression, encodings FROM parquet_metadata(${f})`);
        const codecs = [...new Set(meta.map((m) => m.compression))];
        const rgs = new Set(meta.map((m) => m.row_group_id)).size;
        /* a file of no rows has no row group, hence no column chunk to name its codec */
        L.check(rgs === c.row_groups && (rgs === 0 || (codecs.length === 1 && codecs[0] === c.codec)),
            `${tag}: codec and row groups`, `${codecs} in ${rgs} row group(s), want ${c.codec} in ${c.row_groups}`);
        stats.rowGroups += rgs;
        stats.codecs[c.codec] = (stats.codecs[c.codec] || 0) + 1;
        if (meta.some((m) => /DICTIONARY/.test(m.encodings))) stats.dictFiles++;
        if (!c.dictionary) {
            const dict = meta.filter((m) => /DICTIONARY/.test(m.encodings)).map((m) => m.encodings);
            L.check(dict.length === 0, `${tag}: no dictionary encoding`, () => dict.join('; '));
        }
    }
}

/* Primitive leaves reachable through structs only: filters on them reach the Parquet scan. */
function probeLeaves(t, expr, out) {
    if (t.kind === 'struct') t.fields.forEach((f) => probeLeaves(f.type, `${expr}."${f.name}"`, out));
    else if (t.kind !== 'array' && t.kind !== 'map') out.push([expr, t.kind]);
    return out;
}

/*
 * Statistics as DuckDB uses them: a filter pushed into read_parquet() skips row groups by
 * their min/max and null counts, so wrong statistics drop rows. Each count is compared
 * with the same filter over an in-memory copy, which has no Parquet statistics.
 * Float and double leaves holding NaN are probed too: DuckDB 1.5 takes max as an upper
 * bound for NaN (duckdb/duckdb#25521), so our writer omits min/max for such chunks.
 */
async function checkPruning(con, tag, file, schema) {
    const f = sqlStr(file);
    await con.run(`CREATE OR REPLACE TEMP TABLE t AS SELECT * FROM read_parquet(${f})`);
    const bad = [];
    for (const [e, kind] of schema.fields.flatMap((fl) => probeLeaves(fl.type, `"${fl.name}"`, []))) {
        if ((kind === 'float' || kind === 'double') &&
            Number((await query(con, `SELECT count(*) FROM t WHERE isnan(${e})`)).rows[0][0]) > 0) {
            stats.nanProbed++;
        }
        stats.probed++;
        await con.run(`SET VARIABLE lo = (SELECT min(${e}) FROM t)`);
        await con.run(`SET VARIABLE hi = (SELECT max(${e}) FROM t)`);
        for (const p of ["= getvariable('lo')", "= getvariable('hi')", "> getvariable('lo')", "< getvariable('hi')", 'IS NULL']) {
            const r = await query(con, `SELECT (SELECT count(*) FROM t WHERE ${e} ${p}), (SELECT count(*) FROM read_parquet(${f}) WHERE ${e} ${p})`);
            const [want, got] = r.rows[0].map(Number);
            if (want !== got) bad.push(`${e} ${p}: ${got} rows, want ${want}`);
        }
    }
    L.check(bad.length === 0, `${tag}: filters with row-group statistics`, () => bad.join('; '));
}

function checkCat(tag, file, text) {
    const r = lakesink(['parquet', 'cat', file]);
    if (!L.check(r.status === 0, `${tag}: lakesink parquet cat`, () => `exit ${r.status} ${r.signal || ''}: ${r.stderr}`)) return;
    L.check(r.stdout === text, `${tag}: lakesink parquet cat == ndjson`, () => {
        const a = text.split('\n');
        const b = r.stdout.split('\n');
        const i = a.findIndex((x, k) => x !== b[k]);
        if (i < 0) return `cat printed ${b.length - a.length} line(s) more than the ndjson has`;
        return `line ${i + 1}:\n  ndjson ${a[i]}\n  cat    ${b[i]}`;
    });
}

function cliWrite(tag, base, c) {
    const out = `${base}.cli.parquet`;
    const r = lakesink(['parquet', 'write', out, `${base}.ndjson`, '--schema', `${base}.schema.json`]);
    if (!L.check(r.status === 0, `${tag}: lakesink parquet write`, () => `exit ${r.status} ${r.signal || ''}: ${r.stderr}`)) return null;
    let s = null;
    try { s = JSON.parse(r.stdout); } catch (e) { /* reported below */ }
    const ok = s !== null && s.rows === c.rows && s.bad_lines === 0;
    return L.check(ok, `${tag}: write summary`, `${r.stdout.trim()} (want ${c.rows} rows)`) ? out : null;
}

/* Shape statistics of a schema, for the coverage line. */
function tally(t, cov) {
    cov[t.kind] = (cov[t.kind] || 0) + 1;
    if (t.kind === 'struct') t.fields.forEach((f) => tally(f.type, cov));
    if (t.kind === 'array') tally(t.element, cov);
    if (t.kind === 'map') { tally(t.key, cov); tally(t.value, cov); }
}

async function main() {
    const cases = fs.readFileSync(path.join(dir, 'cases.ndjson'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
    L.check(cases.length > 0, 'cases.ndjson lists cases', 'it is empty');
    const con = await openDuck(1);
    const cov = {};
    let rows = 0;
    let leaves = 0;
    for (const c of cases) {
        const base = path.join(dir, String(c.seed));
        const tag = `seed ${c.seed}`;
        try {
            const schemaJson = fs.readFileSync(`${base}.schema.json`, 'utf8');
            c.schema = deltaType(JSON.parse(schemaJson));
            c.desc = `schema ${schemaJson}; ${c.rows} rows, ${c.codec}, dictionary ${c.dictionary}`;
            const text = fs.readFileSync(`${base}.ndjson`, 'utf8');
            const input = parseNdjson(text);
            L.check(input.length === c.rows, `${tag}: ndjson rows`, `${input.length}, want ${c.rows}`);
            await checkDuck(con, tag, `${base}.parquet`, c, input, true);
            checkCat(tag, `${base}.parquet`, text);
            await checkPruning(con, tag, `${base}.parquet`, c.schema);
            const cli = cliWrite(`${tag}/cli`, base, c);
            if (cli) {
                await checkDuck(con, `${tag}/cli`, cli, c, input, false);
                checkCat(`${tag}/cli`, cli, text);
            }
            c.schema.fields.forEach((f) => tally(f.type, cov));
            rows += c.rows;
            leaves += c.leaves;
        } catch (e) {
            L.fail(tag, e.stack || e.message);
        }
    }
    const kinds = Object.entries(cov).sort().map(([k, n]) => `${k} ${n}`).join(', ');
    const codecs = Object.entries(stats.codecs).sort().map(([k, n]) => `${k} ${n}`).join(', ');
    console.log(`random_duckdb: ${cases.length} seeds, ${rows} rows, ${leaves} leaf columns (${kinds}); ` +
        `${stats.rowGroups} row groups, ${stats.dictFiles} files with dictionary pages, codecs: ${codecs}; ` +
        `statistics probed on ${stats.probed} leaves (${stats.nanProbed} of them float leaves holding NaN)`);
    L.finish();
}

main().catch((e) => { console.error(e); process.exit(1); });
