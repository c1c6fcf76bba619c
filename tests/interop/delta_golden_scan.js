'use strict';
/*
 * delta_golden_scan.js GOLDEN_DIR SCRATCH_DIR — `lakesink table scan <t>/delta` against the Spark golden
 * tables: for every <t>/expected/ the scanned rows must equal DuckDB's rows of
 * expected/*.parquet (canonicalised by DuckDB's column types, sorted, compared as multisets);
 * the tables lakesink refuses, and the negative fixtures, must behave exactly as listed below.
 * Not responsible for: time travel or checkpoints of golden tables (the unit tests cover them).
 */

const fs = require('fs');
const path = require('path');
const { lakesink, openDuck, sqlStr, query, Ledger } = require('./lib/util.js');
const { parseNdjson, canonDuckRows, canonJsonRows, firstDiff, Obj } = require('./lib/canon.js');

/* Tables with expected/ rows that lakesink refuses to read, and why: the error must name it. */
const REFUSED = {
    'data-reader-timestamp_ntz-id-mode': ['columnMapping', 'column mapping (id mode): physical names differ'],
    'data-skipping-basic-stats-all-types-columnmapping-id': ['columnMapping', 'column mapping (id mode)'],
    'table-with-columnmapping-mode-id': ['columnMapping', 'column mapping (id mode)'],
    'dv-partitioned-with-checkpoint': ['deletionVectors', 'live files carry deletion vectors'],
    'log-replay-dv-key-cases': ['deletionVectors', 'live files carry deletion vectors'],
};

/* Fixtures without expected/ rows: the command, the exit status, and a phrase stderr must hold. */
const NO_EXPECTED = {
    'deltalog-invalid-protocol-version': [1, /99|protocol|reader version/i, 'reader version 99'],
    'no-delta-log-folder': [1, /_delta_log|no delta table|not a delta table|not found/i, 'no _delta_log'],
    'deltalog-state-reconstruction-without-metadata': [1, /metaData/i, 'no metaData action'],
    'deltalog-state-reconstruction-from-checkpoint-missing-protocol': [1, /protocol/i,
        'the checkpoint lacks the protocol'],
    'versions-not-contiguous': [1, /commit 1|00000000000000000001|missing|contiguous/i, 'commit 1 is missing'],
    /* loadable log-only fixtures (their data files were never shipped or are not needed) */
    'checkpoint': [1, /No such file|cannot open|not found/i,
        'the log loads from its checkpoint (info exits 0, version 14), its data files were never shipped', 0],
    'canonicalized-paths-normal-a': [0, null, 'loads: add and remove name one file, zero rows'],
    'canonicalized-paths-special-a': [0, null, 'loads: add and remove name one file, zero rows'],
    /* metaData without schemaString: log-only fixtures lakesink cannot load */
    'deltalog-commit-info': [1, /schemaString/, 'metaData has no schemaString'],
    'update-deleted-directory': [1, /schemaString/, 'metaData has no schemaString'],
    'data-reader-absolute-paths-escaped-chars': [1, /metaData/i, 'no metaData action'],
};

async function expectedRows(con, dir) {
    const files = fs.readdirSync(dir).filter((f) => f.endsWith('.parquet')).map((f) => path.join(dir, f));
    if (files.length === 0) return null;
    const list = `[${files.map(sqlStr).join(', ')}]`;
    return query(con, `SELECT * FROM read_parquet(${list}, union_by_name = true)`);
}

async function scanTable(L, con, g, name) {
    const tdir = path.join(g, name, 'delta');
    const r = lakesink(['table', 'scan', tdir], { timeout: 60000 });
    const refused = REFUSED[name];
    if (refused) {
        L.check(r.status === 1 && r.stderr.includes(refused[0]), `${name}: refused (${refused[1]})`,
            () => `exit ${r.status}, stderr ${JSON.stringify(r.stderr.slice(0, 300))}; want exit 1 naming ${refused[0]}`);
        return;
    }
    if (!L.check(r.status === 0, `${name}: scan exits 0`, () => `exit ${r.status}: ${r.stderr.slice(0, 300)}`)) return;
    let got;
    try { got = parseNdjson(r.stdout); } catch (e) { L.fail(`${name}: scan prints NDJSON`, e.message); return; }
    const exp = await expectedRows(con, path.join(g, name, 'expected'));
    if (!exp) { L.fail(`${name}: expected rows`, 'no parquet file in expected/'); return; }
    const names = new Set(exp.names);
    const extra = new Set();
    for (const row of got) if (row instanceof Obj) for (const [k] of row.entries) if (!names.has(k)) extra.add(k);
    L.check(extra.size === 0, `${name}: scan columns`, () => `columns not in expected/: ${[...extra].join(', ')}`);
    const a = canonDuckRows(exp.names, exp.types, exp.rows).sort();
    const b = canonJsonRows(exp.names, exp.types, got).sort();
    const d = firstDiff(a, b);
    L.check(d === null, `${name}: ${a.length} rows equal expected/`, () => `expected vs scan: ${d}`);
}

function negative(L, g, name, work) {
    const [want, pat, why, infoWant] = NO_EXPECTED[name];
    const tdir = path.join(g, name, 'delta');
    const s = lakesink(['table', 'scan', tdir], { timeout: 60000 });
    L.check(s.status === want && (pat === null || pat.test(s.stderr)), `${name}: table scan (${why})`,
        () => `exit ${s.status}, stderr ${JSON.stringify(s.stderr.slice(0, 300))}; want exit ${want}${pat ? ` and ${pat}` : ''}`);
    if (want === 1) {
        L.check(!/Segmentation|Abort|sanitizer/i.test(s.stderr) && /\S/.test(s.stderr) && s.stdout === '',
            `${name}: a clear message and no rows`, () => `stderr ${JSON.stringify(s.stderr.slice(0, 300))}`);
    } else if (name.startsWith('canonicalized-paths')) {
        L.check(s.stdout.trim() === '', `${name}: scan gives zero rows`, () => `${s.stdout.split('\n').length} lines`);
    }
    /* info inspects without the read check: a protocol it cannot read is shown, not refused */
    const r = lakesink(['table', 'info', tdir], { timeout: 60000 });
    if (name === 'deltalog-invalid-protocol-version') {
        L.check(r.status === 0 && /99/.test(r.stdout), `${name}: table info shows reader version 99`,
            () => `exit ${r.status}, ${JSON.stringify((r.stdout + r.stderr).slice(0, 300))}`);
        /* a checkpoint is a write: a table whose writer protocol is unknown must not get one */
        const copy = path.join(work, 'invalid-protocol');
        fs.cpSync(tdir, copy, { recursive: true });
        const c = lakesink(['table', 'checkpoint', copy], { timeout: 60000 });
        const made = fs.readdirSync(path.join(copy, '_delta_log')).filter((f) => f.includes('checkpoint'));
        L.check(c.status === 1 && made.length === 0, `${name}: table checkpoint refuses an unknown protocol`,
            () => `exit ${c.status}, wrote ${made.join(', ') || 'nothing'}: ${(c.stdout + c.stderr).slice(0, 200)}`);
    } else {
        const iw = infoWant === undefined ? want : infoWant;
        L.check(r.status === iw, `${name}: table info exits ${iw}`, () => `exit ${r.status}: ${r.stderr.slice(0, 200)}`);
        if (name === 'checkpoint') {
            L.check(/version:\s+14\b/.test(r.stdout), `${name}: table info says version 14`, () => r.stdout.slice(0, 200));
        }
    }
}

async function main() {
    const g = process.argv[2];
    const work = process.argv[3];
    const L = new Ledger('delta_golden_scan');
    const con = await openDuck(1);
    const tables = fs.readdirSync(g).filter((t) => fs.existsSync(path.join(g, t, 'delta'))).sort();
    const seen = new Set();
    for (const t of tables) {
        if (fs.existsSync(path.join(g, t, 'expected'))) {
            await scanTable(L, con, g, t);
            seen.add(t);
        } else if (NO_EXPECTED[t]) {
            negative(L, g, t, work);
            seen.add(t);
        } else {
            console.log(`note: ${t} has no expected/ and is not listed: not checked`);
        }
    }
    for (const t of [...Object.keys(REFUSED), ...Object.keys(NO_EXPECTED)]) {
        if (!seen.has(t)) console.log(`note: listed table ${t} is absent from ${g}`);
    }
    L.finish();
}

main().catch((e) => { console.log(`FAIL delta_golden_scan: ${e.stack}`); console.log('0 passed, 1 failed'); process.exitCode = 1; });
