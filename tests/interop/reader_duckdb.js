'use strict';
/*
 * reader_duckdb.js — for every parquet-testing data file, the rows of
 * `lakesink parquet cat FILE` must equal DuckDB's `SELECT * FROM read_parquet(FILE)`,
 * both put in the canonical form of lib/canon.js. Files where that comparison cannot
 * hold are listed in EXCEPTIONS with the reason and the behaviour that is checked
 * instead; each exception is itself checked, so one that stops applying (DuckDB learns
 * to read a file, lakesink stops failing on it, the file disappears) fails the test
 * until the list is updated. `lakesink parquet meta --json` is also compared with DuckDB's
 * parquet_metadata(): sizes, offsets, codecs, encodings, null counts, and min/max where
 * both print them alike (plain integers, strings).
 * Usage: node reader_duckdb.js DATA_DIR  (env LAKESINK = the binary)
 */

const fs = require('fs');
const path = require('path');
const { canonDuck, canonJson, canonDuckRows, canonJsonRows, parseNdjson, firstDiff, Num, Obj } = require('./lib/canon');
const { lakesink, openDuck, sqlStr, query, queryObjects, Ledger, duckdb } = require('./lib/util');

const TIMESTAMP = duckdb.TIMESTAMP;

/*
 * kind:
 *   lakesink_fails  lakesink must exit 1 naming the file, with a message matching `match`.
 *   duckdb_fails    DuckDB cannot read the file; lakesink's rows are checked against
 *                   `expect`: {twin: FILE} (a file DuckDB reads that holds the same rows),
 *                   {pairs: [[a, b], ...]} (columns that must hold equal values, from the
 *                   file's documentation), or {rows: [...]} (rows from the file's .md).
 *   duckdb_differs  DuckDB reads the file but gets documented values wrong; lakesink's
 *                   column `column` must hold the documented timestamps `micros`, and
 *                   DuckDB must still differ from them.
 *   meta_only       too large to print within the test's budget: `parquet meta --json`
 *                   must report `rows` rows.
 */
const EXCEPTIONS = {
    'datapage_v1-corrupt-checksum.parquet': {
        kind: 'lakesink_fails', match: /crc|checksum/i,
        reason: 'page CRCs do not match; lakesink verifies CRCs by default, DuckDB ignores them',
    },
    'rle-dict-uncompressed-corrupt-checksum.parquet': {
        kind: 'lakesink_fails', match: /crc|checksum/i,
        reason: 'page CRCs do not match; lakesink verifies CRCs by default, DuckDB ignores them',
    },
    'byte_stream_split_extended.gzip.parquet': {
        kind: 'duckdb_fails', rowCount: 200,
        expect: {
            pairs: ['float16', 'float', 'double', 'int32', 'int64', 'flba5', 'decimal']
                .map((t) => [`${t}_plain`, `${t}_byte_stream_split`]),
        },
        reason: 'DuckDB reads BYTE_STREAM_SPLIT only for FLOAT/DOUBLE; README: each *_byte_stream_split column equals its *_plain twin',
    },
    'hadoop_lz4_compressed.parquet': {
        kind: 'duckdb_fails', expect: { twin: 'lz4_raw_compressed.parquet' },
        reason: 'DuckDB has no LZ4 (Hadoop framing) codec; the file holds the rows of lz4_raw_compressed.parquet',
    },
    'non_hadoop_lz4_compressed.parquet': {
        kind: 'duckdb_fails', expect: { twin: 'lz4_raw_compressed.parquet' },
        reason: 'DuckDB has no LZ4 codec; LZ4 raw blocks under codec id 5, the rows of lz4_raw_compressed.parquet',
    },
    'hadoop_lz4_compressed_larger.parquet': {
        kind: 'duckdb_fails', expect: { twin: 'lz4_raw_compressed_larger.parquet' },
        reason: 'DuckDB has no LZ4 (Hadoop framing) codec; the file holds the rows of lz4_raw_compressed_larger.parquet',
    },
    'map_no_value.parquet': {
        kind: 'duckdb_fails',
        expect: {
            rows: [1, 4, 7].map((k) => `{"my_map":{"${k}":null,"${k + 1}":null,"${k + 2}":null},` +
                `"my_map_no_v":[${k},${k + 1},${k + 2}],"my_list":[${k},${k + 1},${k + 2}]}`),
        },
        reason: 'DuckDB rejects a MAP without a value field; map_no_value.md gives the rows (a MAP without values reads as the list of its keys)',
    },
    'int96_from_spark.parquet': {
        kind: 'duckdb_differs', column: 'a',
        micros: ['1704141296123456', '1704070800000000', '253402225200000000', '1735599600000000', null, '9089380393200000000'],
        reason: 'INT96 beyond the int64 nanosecond range: DuckDB wraps the last value; int96_from_spark.md lists the microseconds',
    },
    'large_string_map.brotli.parquet': {
        kind: 'meta_only', rows: 2,
        reason: 'two rows holding a 1 GiB string each: printing 2 GiB of NDJSON does not fit the test budget',
    },
};

/* Canonical text of a parsed JSON value with no type information (exact literals). */
function plain(v) {
    if (v instanceof Num) return `n:${v.lit}`;
    if (v instanceof Obj) return v.entries.map(([k, x]) => [k, plain(x)]);
    if (Array.isArray(v)) return v.map(plain);
    return v;
}

function catRows(L, file, tag) {
    const r = lakesink(['parquet', 'cat', file]);
    if (!L.check(r.status === 0, `${tag}: lakesink cat`, () => `exit ${r.status} ${r.signal || ''}: ${r.stderr.trim()}`)) return null;
    try {
        return parseNdjson(r.stdout);
    } catch (e) {
        L.fail(`${tag}: output is NDJSON`, e.message);
        return null;
    }
}

async function duckRead(con, file) {
    try {
        return await query(con, `SELECT * FROM read_parquet(${sqlStr(file)})`);
    } catch (e) {
        return { error: e.message };
    }
}

async function compareWithDuck(L, con, file, tag) {
    const duck = await duckRead(con, file);
    if (!L.check(!duck.error, `${tag}: DuckDB reads it`, () => `${duck.error} (list the file in EXCEPTIONS if this is expected)`)) return;
    const ours = catRows(L, file, tag);
    if (ours === null) return;
    const want = canonDuckRows(duck.names, duck.types, duck.rows);
    const got = canonJsonRows(duck.names, duck.types, ours);
    L.check(!firstDiff(want, got), `${tag}: rows equal DuckDB's`, () => firstDiff(want, got));
}

async function checkException(L, con, dir, name, ex) {
    const file = path.join(dir, name);
    const tag = `${name} [exception]`;
    if (ex.kind === 'lakesink_fails') {
        const r = lakesink(['parquet', 'cat', file]);
        L.check(r.status === 1 && r.stderr.includes(file) && ex.match.test(r.stderr), `${tag}: lakesink fails`,
            () => `exit ${r.status} ${r.signal || ''}, stderr ${JSON.stringify(r.stderr.trim().slice(0, 300))}; expected exit 1 naming the file and matching ${ex.match} (${ex.reason})`);
        return;
    }
    if (ex.kind === 'meta_only') {
        const r = lakesink(['parquet', 'meta', '--json', file]);
        let rows = null;
        try { rows = JSON.parse(r.stdout).num_rows; } catch (e) { /* reported below */ }
        L.check(r.status === 0 && rows === ex.rows, `${tag}: meta reports ${ex.rows} rows`, `exit ${r.status}, rows ${rows}: ${r.stderr}`);
        return;
    }
    if (ex.kind === 'duckdb_differs') {
        const want = JSON.stringify(ex.micros.map((m) => (m === null ? null : `ts:${m}`)));
        const ours = catRows(L, file, tag);
        const duck = await duckRead(con, file);
        if (ours !== null) {
            const got = JSON.stringify(ours.map((r) => canonJson(TIMESTAMP, r.get(ex.column))));
            L.check(got === want, `${tag}: ${ex.column} as documented`, `${got}, want ${want}`);
        }
        const theirs = duck.error ? duck.error : JSON.stringify(duck.rows.map((r) => canonDuck(duck.types[0], r[0])));
        L.check(theirs !== want, `${tag}: DuckDB still differs`, 'DuckDB agrees now: compare normally and remove the exception');
        return;
    }
    const duck = await duckRead(con, file);
    L.check(Boolean(duck.error), `${tag}: DuckDB still cannot read it`, `DuckDB reads it now: compare normally and remove the exception`);
    const ours = catRows(L, file, tag);
    if (ours === null) return;
    if (ex.rowCount !== undefined) L.check(ours.length === ex.rowCount, `${tag}: row count`, `${ours.length}, want ${ex.rowCount}`);
    if (ex.expect.twin) {
        const twin = await query(con, `SELECT * FROM read_parquet(${sqlStr(path.join(dir, ex.expect.twin))})`);
        const want = canonDuckRows(twin.names, twin.types, twin.rows);
        const got = canonJsonRows(twin.names, twin.types, ours);
        L.check(!firstDiff(want, got), `${tag}: rows equal DuckDB's rows of ${ex.expect.twin}`, () => firstDiff(want, got));
    } else if (ex.expect.pairs) {
        for (const [a, b] of ex.expect.pairs) {
            const bad = ours.findIndex((r) => JSON.stringify(plain(r.get(a))) !== JSON.stringify(plain(r.get(b))) || r.get(a) === undefined);
            L.check(bad < 0, `${tag}: ${b} == ${a}`, () => `row ${bad}: ${JSON.stringify(plain(ours[bad].get(a)))} vs ${JSON.stringify(plain(ours[bad].get(b)))}`);
        }
    } else if (ex.expect.rows) {
        const want = ex.expect.rows.map((t) => JSON.stringify(plain(parseNdjson(t)[0])));
        const got = ours.map((r) => JSON.stringify(plain(r)));
        L.check(!firstDiff(want, got), `${tag}: rows as documented`, () => firstDiff(want, got));
    }
}

/* ------------------------------------------------------------ parquet meta */

/* Files whose footer DuckDB's parquet_metadata() rejects (so `meta` is not compared). */
const META_SKIP = {
    'map_no_value.parquet': 'DuckDB rejects a MAP without a value field',
};

const PLAIN_INT = [null, 'INT_8', 'INT_16', 'INT_32', 'INT_64'];

/* A min/max both sides print the same way: plain signed integers and valid strings. */
function comparableStat(col) {
    if (col.physical_type === 'INT32' || col.physical_type === 'INT64') {
        return PLAIN_INT.includes(col.converted_type) &&
            (col.logical_type === null || /^INTEGER\(\d+,true\)$/.test(col.logical_type));
    }
    return col.physical_type === 'BYTE_ARRAY' && (col.converted_type === 'UTF8' || col.logical_type === 'STRING');
}

function statText(v) {
    if (v instanceof Num) return v.lit;
    return typeof v === 'string' && !v.startsWith('base64:') ? v : undefined;
}

/* Differences between one column chunk of `parquet meta --json` and DuckDB's row. */
function chunkDiffs(col, d) {
    const errs = [];
    const num = (v) => (v instanceof Num ? v.lit : v === null ? null : String(v));
    const eq = (what, ours, theirs) => {
        if (num(ours) !== (theirs === null ? null : String(theirs))) errs.push(`${what} ${num(ours)} vs DuckDB ${theirs}`);
    };
    if (col.get('path') !== d.path_in_schema.split(', ').join('.')) errs.push(`path ${col.get('path')} vs ${d.path_in_schema}`);
    eq('physical type', col.get('physical_type'), d.type);
    eq('codec', col.get('codec'), d.compression);
    eq('encodings', col.get('encodings').join(', '), d.encodings);
    for (const [k, dk] of [['num_values', 'num_values'], ['total_compressed_size', 'total_compressed_size'],
        ['total_uncompressed_size', 'total_uncompressed_size'], ['data_page_offset', 'data_page_offset'],
        ['dictionary_page_offset', 'dictionary_page_offset']]) {
        eq(k, col.get(k), d[dk]);
    }
    const st = col.get('statistics');
    eq('null_count', st === null ? null : st.get('null_count'), d.stats_null_count);
    const plainCol = { physical_type: col.get('physical_type'), converted_type: col.get('converted_type'), logical_type: col.get('logical_type') };
    if (st !== null && comparableStat(plainCol)) {
        const legacy = st.get('legacy_min_max') === true;
        for (const [k, dk] of [['min', legacy ? 'stats_min' : 'stats_min_value'], ['max', legacy ? 'stats_max' : 'stats_max_value']]) {
            const ours = statText(st.get(k));
            if (ours !== undefined || d[dk] !== null) eq(k, ours === undefined ? null : ours, d[dk]);
        }
    }
    return errs;
}

async function compareMeta(L, con, file, name) {
    const tag = `${name}: meta`;
    const r = lakesink(['parquet', 'meta', '--json', file]);
    if (!L.check(r.status === 0, `${tag} runs`, () => `exit ${r.status} ${r.signal || ''}: ${r.stderr.trim()}`)) return;
    let m;
    try {
        m = parseNdjson(r.stdout)[0];
    } catch (e) {
        L.fail(`${tag} is JSON`, e.message);
        return;
    }
    let duck;
    try {
        duck = await queryObjects(con, `SELECT * FROM parquet_metadata(${sqlStr(file)}) ORDER BY row_group_id, column_id`);
    } catch (e) {
        L.check(Boolean(META_SKIP[name]), `${tag}: DuckDB reads the footer`, `${e.message} (list the file in META_SKIP if expected)`);
        return;
    }
    L.check(!META_SKIP[name], `${tag}: META_SKIP is current`, 'DuckDB reads the footer now: remove the file from META_SKIP');
    const chunks = m.get('row_groups').flatMap((g) => g.get('columns').map((c) => [g, c]));
    if (!L.check(chunks.length === duck.length, `${tag}: column chunks`, `${chunks.length} vs DuckDB ${duck.length}`)) return;
    const errs = [];
    chunks.forEach(([g, c], i) => {
        if (c === null) return; /* metadata absent (encrypted) */
        if (String(g.get('num_rows').lit) !== duck[i].row_group_num_rows) errs.push(`row group ${i} rows`);
        chunkDiffs(c, duck[i]).forEach((e) => errs.push(`chunk ${i} (${duck[i].path_in_schema}): ${e}`));
    });
    L.check(errs.length === 0, `${tag} equals DuckDB's parquet_metadata()`, () => errs.slice(0, 5).join('; '));
}

async function main() {
    const dir = process.argv[2];
    const L = new Ledger('reader_duckdb');
    const con = await openDuck(1);
    const files = fs.readdirSync(dir).filter((f) => f.endsWith('.parquet')).sort();
    for (const name of Object.keys(EXCEPTIONS)) {
        L.check(files.includes(name), `exception ${name} names an existing file`, 'not in the data directory: remove it from EXCEPTIONS');
    }
    for (const name of Object.keys(META_SKIP)) {
        L.check(files.includes(name), `META_SKIP ${name} names an existing file`, 'not in the data directory: remove it');
    }
    for (const name of files) {
        try {
            if (EXCEPTIONS[name]) await checkException(L, con, dir, name, EXCEPTIONS[name]);
            else await compareWithDuck(L, con, path.join(dir, name), name);
            await compareMeta(L, con, path.join(dir, name), name);
        } catch (e) {
            L.fail(name, e.stack || e.message);
        }
    }
    console.log(`${files.length} files, ${Object.keys(EXCEPTIONS).length} listed exceptions`);
    L.finish();
}

main().catch((e) => { console.error(e); process.exit(1); });
