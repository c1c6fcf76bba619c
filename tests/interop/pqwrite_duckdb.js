'use strict';
/*
 * pqwrite_duckdb.js — files written by the library's Parquet writer (through the test
 * generator pqwrite_gen) must read back in DuckDB, an independent reader, exactly.
 * For each file it checks
 *   - values: every row and column equals the generator's formulas, recomputed here
 *     (keep these in step with pqwrite_gen.c);
 *   - schema: parquet_schema() physical, logical and converted types, repetition,
 *     3-level LIST and MAP groups, TIMESTAMP(MICROS) with the intended isAdjustedToUTC;
 *   - metadata: parquet_metadata() codec, encodings, dictionary pages, null counts,
 *     min/max statistics (equal to DuckDB's own min/max over the data; -0.0/+0.0 rules;
 *     no NaN), row-group sizes near the compressed target; parquet_file_metadata()
 *     created_by, row counts, column orders; key/value metadata.
 * Usage: node pqwrite_duckdb.js DIR   (DIR holds pqwrite_gen's output)
 */

const path = require('path');
const { openDuck, sqlStr, Ledger } = require('./lib/util');

const dir = process.argv[2];
const L = new Ledger('pqwrite_duckdb');
const file = (name) => sqlStr(path.join(dir, name));

/* ------------------------------------------------------------ canonical form */

const hex = (bytes) => Buffer.from(bytes).toString('hex');

function canon(v) {
    if (v === null || v === undefined) return 'null';
    if (typeof v === 'bigint') return `n:${v}`;
    if (typeof v === 'number') {
        if (Number.isNaN(v)) return 'NaN';
        if (Object.is(v, -0)) return '-0';
        return `n:${v}`;
    }
    if (typeof v === 'boolean') return `b:${v}`;
    if (typeof v === 'string') return `s:${v}`;
    if (Array.isArray(v)) return `[${v.map(canon).join(',')}]`;
    if (v instanceof Tagged) return v.s;
    const kind = v.constructor && v.constructor.name;
    switch (kind) {
    case 'DuckDBDecimalValue': return `dec:${v.value}e-${v.scale}`;
    case 'DuckDBBlobValue': return `bin:${hex(v.bytes)}`;
    case 'DuckDBDateValue': return `date:${v.days}`;
    case 'DuckDBTimestampValue':
    case 'DuckDBTimestampTZValue': return `ts:${v.micros}`;
    case 'DuckDBTimeTZValue':
    case 'DuckDBTimeValue': return `time:${v.micros}`;
    case 'DuckDBUUIDValue': return `uuid:${String(v)}`;
    case 'DuckDBListValue': return canon(v.items);
    case 'DuckDBStructValue':
        return `{${Object.entries(v.entries).map(([k, x]) => `${k}:${canon(x)}`).join(',')}}`;
    case 'DuckDBMapValue':
        return `map[${v.entries.map((e) => `${canon(e.key)}=>${canon(e.value)}`).join(',')}]`;
    case 'Object':
        return `{${Object.entries(v).map(([k, x]) => `${k}:${canon(x)}`).join(',')}}`;
    default: throw new Error(`no canonical form for ${kind}`);
    }
}

/* An expected value already in canonical form. */
class Tagged {
    constructor(s) { this.s = s; }
}
const dec = (unscaled, scale) => new Tagged(`dec:${unscaled}e-${scale}`);
const bin = (bytes) => new Tagged(`bin:${hex(bytes)}`);
const date = (days) => new Tagged(`date:${days}`);
const ts = (us) => new Tagged(`ts:${us}`);
const time = (us) => new Tagged(`time:${us}`);
const map = (entries) => new Tagged(`map[${entries.map(([k, v]) => `${canon(k)}=>${canon(v)}`).join(',')}]`);
function uuid(bytes) {
    const h = hex(bytes);
    return new Tagged(`uuid:${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`);
}
const range = (n) => [...Array(n).keys()];
const U64 = (1n << 64n) - 1n;

/* ------------------------------------------------------- generator formulas */

function typesRow(i) {
    const I = BigInt(i);
    const tsv = (I - 1000n) * 86400000000n * 3n + I * 1234567n;
    return {
        id: I,
        str: i % 10 === 3 ? null : `s${i % 37}${i % 5 === 0 ? 'é€' : ''}`,
        bin: i % 11 === 0 ? null : bin(range(i % 4).map((k) => (i * 31 + k * 17) & 255)),
        bool: i % 13 === 0 ? null : i % 3 === 0,
        byte: i % 17 === 0 ? null : ((i * 7) % 256) - 128,
        short: ((i * 997) % 65536) - 32768,
        int: i === 1 ? -2147483648 : i === 2 ? 2147483647 : ((i * 7919) % 2000003) - 1000000,
        long: i % 23 === 0 && i > 2 ? null
            : i === 1 ? -(1n << 63n) : i === 2 ? (1n << 63n) - 1n : BigInt(i - 500) * 1000000007n * 1000n,
        float: i % 19 === 0 ? NaN : i === 4 ? -0 : Math.fround((i - 500) / 8),
        double: i % 29 === 0 && i > 7 ? null
            : i === 5 ? NaN : i === 6 ? Infinity : i === 7 ? -0 : (i - 500) * 1.25 + 0.1,
        dec9: i % 31 === 0 ? null : dec(((i * 1234567) % 999999999) - 499999999, 2),
        dec18: dec(((I * 123456789012345n) % 999999999999999999n) - 499999999999999999n, 4),
        dec38: dec((I - 1000n) * (1n << 64n) + I * 12345n, 6),
        dec20: dec((I - 1000n) * (1n << 56n) + I * 3n, 0),
        date: date(i * 37 - 20000),
        ts: ts(tsv),
        ntz: ts(tsv + 1n),
        u64: i === 1 ? U64 : I * 1000000000000000n,
        time: time((I * 37000123n) % 86400000000n),
        uuid: uuid(range(16).map((k) => (i * 13 + k * 29) & 255)),
        fx: bin(range(5).map((k) => (i + k * 51) & 255)),
    };
}

function nestedRow(i) {
    return {
        id: BigInt(i),
        st: i % 4 === 1 ? null : { x: i % 3 === 0 ? null : i * 3, y: `y${i}` },
        arr: i % 5 === 0 ? null : i % 5 === 1 ? [] : i % 5 === 2 ? [null]
            : range((i % 4) + 1).map((k) => ((i + k) % 7 === 0 ? null : i * 10 + k)),
        lst: range(i % 3).map((j) => ({ k: `k${j}`, v: j === 1 ? null : i + j / 2 })),
        grid: i % 4 === 0 ? [] : range((i % 3) + 1).map((j) => ((i + j) % 5 === 0 ? null
            : range((i + j) % 3).map((q) => (i + j + q) % 100))),
        mp: i % 6 === 0 ? null : map(range(i % 3 === 0 ? 0 : i % 3).map((j) => [`k${j}`, j === 1 ? null : i * j])),
    };
}

function plainRow(i) {
    const h = ((BigInt(i) * 0x9E3779B97F4A7C15n) & U64).toString(16).padStart(16, '0');
    return {
        id: BigInt(i),
        s: i % 9 === 0 ? null : `v${i % 50}`,
        d: i / 4,
        u: `${h}-${i}`,
        l: i < 30000 ? i % 10 : i,
    };
}

/* ------------------------------------------------------------------ checks */

async function rows(con, sql) {
    const r = await con.runAndReadAll(sql);
    return { names: r.columnNames(), rows: r.getRows() };
}

async function objects(con, sql) {
    return (await con.runAndReadAll(sql)).getRowObjectsJson();
}

async function checkValues(con, name, n, rowFn) {
    const { names, rows: got } = await rows(con, `SELECT * FROM read_parquet(${file(name)}) ORDER BY id`);
    if (!L.check(got.length === n, `${name}: ${n} rows`, `got ${got.length}`)) return;
    const bad = {};
    for (let i = 0; i < n; i++) {
        const want = rowFn(i);
        names.forEach((c, k) => {
            if (bad[c] === undefined && canon(got[i][k]) !== canon(want[c])) {
                bad[c] = `row ${i}: got ${canon(got[i][k])} want ${canon(want[c])}`;
            }
        });
    }
    for (const c of names) L.check(bad[c] === undefined, `${name}: values of ${c}`, bad[c]);
}

/* parquet_schema() rows by name (first occurrence) must have the listed fields. */
async function checkSchema(con, name, expect) {
    const got = await objects(con, `SELECT * FROM parquet_schema(${file(name)})`);
    for (const [idx, want] of expect.entries()) {
        const el = got[idx + 1];
        const what = `${name}: schema element ${idx + 1} (${want.name})`;
        if (!L.check(el !== undefined && el.name === want.name, what, () => `got ${el && el.name}`)) continue;
        const diffs = [];
        for (const [k, v] of Object.entries(want)) {
            if (k === 'logical') {
                if (v === null ? el.logical_type !== null : !(el.logical_type || '').includes(v)) diffs.push(`logical ${el.logical_type}`);
            } else if (String(el[k] ?? null) !== String(v)) {
                diffs.push(`${k}=${el[k]} want ${v}`);
            }
        }
        L.check(diffs.length === 0, what, diffs.join('; '));
    }
    L.check(!got.some((e) => e.type === 'INT96'), `${name}: no INT96`, 'INT96 present');
    L.check(!got.some((e) => /NANOS=NanoSeconds/.test(e.logical_type || '')), `${name}: no NANOS`, 'NANOS present');
}

const E = (name, type, repetition_type, converted_type, logical, extra = {}) =>
    ({ name, type, repetition_type, converted_type, logical, ...extra });

const TYPES_SCHEMA = [
    E('id', 'INT64', 'REQUIRED', null, null),
    E('str', 'BYTE_ARRAY', 'OPTIONAL', 'UTF8', 'StringType'),
    E('bin', 'BYTE_ARRAY', 'OPTIONAL', null, null),
    E('bool', 'BOOLEAN', 'OPTIONAL', null, null),
    E('byte', 'INT32', 'OPTIONAL', 'INT_8', 'isSigned=1'),
    E('short', 'INT32', 'REQUIRED', 'INT_16', 'isSigned=1'),
    E('int', 'INT32', 'OPTIONAL', null, null),
    E('long', 'INT64', 'OPTIONAL', null, null),
    E('float', 'FLOAT', 'OPTIONAL', null, null),
    E('double', 'DOUBLE', 'OPTIONAL', null, null),
    E('dec9', 'INT32', 'OPTIONAL', 'DECIMAL', 'DecimalType(scale=2, precision=9)', { scale: 2, precision: 9 }),
    E('dec18', 'INT64', 'OPTIONAL', 'DECIMAL', 'DecimalType(scale=4, precision=18)', { scale: 4, precision: 18 }),
    E('dec38', 'FIXED_LEN_BYTE_ARRAY', 'OPTIONAL', 'DECIMAL', 'DecimalType(scale=6, precision=38)', { type_length: 16 }),
    E('dec20', 'FIXED_LEN_BYTE_ARRAY', 'OPTIONAL', 'DECIMAL', 'DecimalType(scale=0, precision=20)', { type_length: 9 }),
    E('date', 'INT32', 'OPTIONAL', 'DATE', 'DateType'),
    E('ts', 'INT64', 'OPTIONAL', 'TIMESTAMP_MICROS', 'TimestampType(isAdjustedToUTC=1, unit=TimeUnit(MILLIS=<null>, MICROS=MicroSeconds()'),
    E('ntz', 'INT64', 'OPTIONAL', null, 'TimestampType(isAdjustedToUTC=0, unit=TimeUnit(MILLIS=<null>, MICROS=MicroSeconds()'),
    E('u64', 'INT64', 'OPTIONAL', 'UINT_64', 'isSigned=0'),
    E('time', 'INT64', 'OPTIONAL', 'TIME_MICROS', 'TimeType(isAdjustedToUTC=1'),
    E('uuid', 'FIXED_LEN_BYTE_ARRAY', 'OPTIONAL', null, 'UUIDType', { type_length: 16 }),
    E('fx', 'FIXED_LEN_BYTE_ARRAY', 'OPTIONAL', null, null, { type_length: 5 }),
];

const NESTED_SCHEMA = [
    E('id', 'INT64', 'REQUIRED', null, null),
    E('st', null, 'OPTIONAL', null, null, { num_children: 2 }),
    E('x', 'INT32', 'OPTIONAL', null, null),
    E('y', 'BYTE_ARRAY', 'REQUIRED', 'UTF8', 'StringType'),
    E('arr', null, 'OPTIONAL', 'LIST', 'ListType', { num_children: 1 }),
    E('list', null, 'REPEATED', null, null, { num_children: 1 }),
    E('element', 'INT32', 'OPTIONAL', null, null),
    E('lst', null, 'REQUIRED', 'LIST', 'ListType'),
    E('list', null, 'REPEATED', null, null),
    E('element', null, 'REQUIRED', null, null, { num_children: 2 }),
    E('k', 'BYTE_ARRAY', 'REQUIRED', 'UTF8', 'StringType'),
    E('v', 'DOUBLE', 'OPTIONAL', null, null),
    E('grid', null, 'REQUIRED', 'LIST', 'ListType'),
    E('list', null, 'REPEATED', null, null),
    E('element', null, 'OPTIONAL', 'LIST', 'ListType'),
    E('list', null, 'REPEATED', null, null),
    E('element', 'INT32', 'REQUIRED', 'INT_16', 'isSigned=1'),
    E('mp', null, 'OPTIONAL', 'MAP', 'MapType', { num_children: 1 }),
    E('key_value', null, 'REPEATED', null, null, { num_children: 2 }),
    E('key', 'BYTE_ARRAY', 'REQUIRED', 'UTF8', 'StringType'),
    E('value', 'INT64', 'OPTIONAL', null, null),
];

/* Chunk min/max of a single-row-group file equal DuckDB's min/max over the data (NaN
 * excluded), printed the way DuckDB prints both; null counts equal the data's. */
async function checkStats(con, name, columns) {
    const meta = await objects(con, `SELECT path_in_schema p, stats_min_value mn, stats_max_value mx,
        stats_null_count nc, row_group_id rg FROM parquet_metadata(${file(name)})`);
    L.check(meta.every((m) => String(m.rg) === '0'), `${name}: one row group`, 'more than one');
    for (const c of columns) {
        const q = `"${c}"`;
        const notnan = ['float', 'double'].includes(c) ? ` FILTER (WHERE NOT isnan(${q}))` : '';
        const [want] = await objects(con, `SELECT CAST(min(${q})${notnan} AS VARCHAR) mn,
            CAST(max(${q})${notnan} AS VARCHAR) mx, count(*) - count(${q}) nc,
            ${notnan ? `count(*) FILTER (WHERE isnan(${q}))` : '0'} nans FROM read_parquet(${file(name)})`);
        if (Number(want.nans) > 0) { /* a chunk holding NaN gets no bounds */
            want.mn = null;
            want.mx = null;
        }
        const m = meta.find((x) => x.p === c);
        L.check(m && m.mn === want.mn, `${name}: min of ${c}`, () => `stats ${m && m.mn} data ${want.mn}`);
        /* DuckDB hides an infinite max; it is written all the same */
        const wmx = want.mx === 'inf' ? null : want.mx;
        L.check(m && m.mx === wmx, `${name}: max of ${c}`, () => `stats ${m && m.mx} data ${want.mx}`);
        L.check(m && String(m.nc) === String(want.nc), `${name}: null count of ${c}`, () => `stats ${m && m.nc} data ${want.nc}`);
    }
}

async function checkFileMeta(con, name, nrows, nleaves) {
    const [fm] = await objects(con, `SELECT created_by, num_rows, format_version, column_orders
        FROM parquet_file_metadata(${file(name)})`);
    L.check(/^lakesink version \d+\.\d+\.\d+/.test(fm.created_by), `${name}: created_by`, fm.created_by);
    L.check(String(fm.num_rows) === String(nrows), `${name}: num_rows`, `got ${fm.num_rows}`);
    const orders = fm.column_orders || [];
    L.check(orders.length === nleaves && orders.every((o) => /TypeDefinedOrder/.test(o)),
        `${name}: TypeDefinedOrder for every leaf`, JSON.stringify(orders));
}

/* codec, and which chunks carry a dictionary */
async function checkChunks(con, name, codec, dictCols, plainCols) {
    const meta = await objects(con, `SELECT path_in_schema p, compression c, encodings e,
        dictionary_page_offset d, data_page_offset dp FROM parquet_metadata(${file(name)})`);
    L.check(meta.every((m) => m.c === codec), `${name}: codec ${codec}`, [...new Set(meta.map((m) => m.c))].join(','));
    L.check(meta.every((m) => /\bRLE\b/.test(m.e)), `${name}: RLE listed for levels`, 'missing');
    for (const c of dictCols) {
        const ok = meta.filter((m) => m.p === c).every((m) => m.d !== null && /RLE_DICTIONARY/.test(m.e) && BigInt(m.d) < BigInt(m.dp));
        L.check(ok, `${name}: ${c} dictionary-encoded`, JSON.stringify(meta.filter((m) => m.p === c)));
    }
    for (const c of plainCols) {
        const ok = meta.filter((m) => m.p === c).every((m) => m.d === null && !/DICTIONARY/.test(m.e));
        L.check(ok, `${name}: ${c} PLAIN`, JSON.stringify(meta.filter((m) => m.p === c)));
    }
}

async function checkRowGroups(con) {
    const name = 'rowgroups.parquet';
    const target = 256 * 1024;
    const rgs = await objects(con, `SELECT row_group_id rg, any_value(row_group_num_rows) n,
        sum(total_compressed_size) cb,
        min(CASE WHEN path_in_schema = 'id' THEN stats_min_value END) mn,
        min(CASE WHEN path_in_schema = 'id' THEN stats_max_value END) mx
        FROM parquet_metadata(${file(name)}) GROUP BY 1 ORDER BY 1`);
    L.check(rgs.length >= 3, `${name}: several row groups`, `got ${rgs.length}`);
    let first = 0;
    rgs.forEach((g, k) => {
        const n = Number(g.n);
        if (k + 1 < rgs.length) {
            const cb = Number(g.cb);
            L.check(cb >= target * 0.75 && cb <= target * 1.3, `${name}: row group ${k} near the compressed target`,
                `${cb} bytes for ${target}`);
        }
        L.check(g.mn === String(first) && g.mx === String(first + n - 1), `${name}: row group ${k} id stats`,
            `${g.mn}..${g.mx} for rows ${first}..${first + n - 1}`);
        first += n;
    });
    L.check(first === 50000, `${name}: rows add up`, `got ${first}`);
}

async function main() {
    const con = await openDuck(1);
    await con.run(`SET TimeZone='UTC'`).catch(() => {});

    await checkValues(con, 'types.parquet', 2000, typesRow);
    await checkValues(con, 'types_plain.parquet', 2000, typesRow);
    await checkSchema(con, 'types.parquet', TYPES_SCHEMA);
    const statCols = TYPES_SCHEMA.map((e) => e.name);
    await checkStats(con, 'types.parquet', statCols);
    await checkStats(con, 'types_plain.parquet', statCols);
    await checkFileMeta(con, 'types.parquet', 2000, TYPES_SCHEMA.length);
    await checkChunks(con, 'types.parquet', 'ZSTD', ['str', 'byte'], ['id', 'bool']);
    await checkChunks(con, 'types_plain.parquet', 'SNAPPY', [], statCols);

    await checkValues(con, 'nested.parquet', 3000, nestedRow);
    await checkSchema(con, 'nested.parquet', NESTED_SCHEMA);
    await checkFileMeta(con, 'nested.parquet', 3000, 9);
    const nrg = await objects(con, `SELECT count(DISTINCT row_group_id) n FROM parquet_metadata(${file('nested.parquet')})`);
    L.check(Number(nrg[0].n) > 1, 'nested.parquet: several row groups', `got ${nrg[0].n}`);

    const codecs = [['zstd', 'ZSTD'], ['snappy', 'SNAPPY'], ['gzip', 'GZIP'], ['lz4_raw', 'LZ4_RAW'],
        ['brotli', 'BROTLI'], ['none', 'UNCOMPRESSED']];
    for (const [f, c] of codecs) {
        const name = `codec_${f}.parquet`;
        await checkValues(con, name, 50000, plainRow);
        await checkChunks(con, name, c, ['s', 'l'], ['id', 'u']);
    }
    await checkStats(con, 'codec_zstd.parquet', ['id', 's', 'd', 'u', 'l']);
    const enc = await objects(con, `SELECT encodings e FROM parquet_metadata(${file('codec_zstd.parquet')}) WHERE path_in_schema = 'l'`);
    L.check(enc[0].e === 'PLAIN, RLE, RLE_DICTIONARY', 'codec_zstd.parquet: l falls back to PLAIN after dictionary pages', enc[0].e);

    await checkValues(con, 'rowgroups.parquet', 50000, plainRow);
    await checkRowGroups(con);
    await checkValues(con, 'nodict.parquet', 50000, plainRow);
    await checkChunks(con, 'nodict.parquet', 'ZSTD', [], ['id', 's', 'd', 'u', 'l']);

    const empty = await objects(con, `SELECT count(*) n FROM read_parquet(${file('empty.parquet')})`);
    L.check(String(empty[0].n) === '0', 'empty.parquet: no rows', `got ${empty[0].n}`);
    await checkFileMeta(con, 'empty.parquet', 0, 9);
    await checkSchema(con, 'empty.parquet', NESTED_SCHEMA);
    const kv = await objects(con, `SELECT CAST(key AS VARCHAR) k, CAST(value AS VARCHAR) v FROM parquet_kv_metadata(${file('empty.parquet')}) ORDER BY 1`);
    L.check(JSON.stringify(kv) === JSON.stringify([{ k: 'empty.value', v: '' }, { k: 'lakesink.test', v: 'yes' }]),
        'empty.parquet: key/value metadata', JSON.stringify(kv));

    const z = await objects(con, `SELECT path_in_schema p, stats_min_value mn, stats_max_value mx, stats_null_count nc
        FROM parquet_metadata(${file('zeros.parquet')}) ORDER BY column_id`);
    L.check(z[0].mn === '-0.0' && z[0].mx === '1.0', 'zeros.parquet: a zero min is -0.0', JSON.stringify(z[0]));
    L.check(z[1].mn === '-1.0' && z[1].mx === '0.0', 'zeros.parquet: a zero max is +0.0', JSON.stringify(z[1]));
    L.check(z[2].mn === null && z[2].mx === null && String(z[2].nc) === '1', 'zeros.parquet: NaN in the chunk, no min/max', JSON.stringify(z[2]));
    const zv = await rows(con, `SELECT d0, d1, f2 FROM read_parquet(${file('zeros.parquet')})`);
    L.check(canon(zv.rows.map((r) => r)) === canon([[1, -1, NaN], [0, -0, NaN], [0.5, -0.5, null]]),
        'zeros.parquet: values', canon(zv.rows));
    L.finish();
}

main().catch((e) => {
    console.log(`FAIL pqwrite_duckdb: ${e.stack || e}`);
    process.exitCode = 1;
});
