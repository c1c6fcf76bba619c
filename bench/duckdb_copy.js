'use strict';
/*
 * duckdb_copy.js — the reference for bench/run.sh: DuckDB converts the same NDJSON to
 * Parquet (zstd) with `threads` threads. Prints {"seconds":...} for the COPY alone
 * (instance start-up excluded) and DuckDB's version.
 * Usage: node duckdb_copy.js EVENTS.ndjson OUT.parquet THREADS
 */
const path = require('path');
const duckdb = require(path.join(__dirname, '..', 'tests', 'interop', 'node_modules', '@duckdb', 'node-api'));

async function main() {
    const [input, out, threads] = process.argv.slice(2);
    const inst = await duckdb.DuckDBInstance.create(':memory:', { threads: String(threads) });
    const con = await inst.connect();
    await con.run(`SET threads=${Number(threads)}`);
    const q = (s) => `'${s.replace(/'/g, "''")}'`;
    const t0 = process.hrtime.bigint();
    await con.run(`COPY (SELECT * FROM read_json(${q(input)})) TO ${q(out)} (FORMAT parquet, COMPRESSION zstd)`);
    const secs = Number(process.hrtime.bigint() - t0) / 1e9;
    console.log(JSON.stringify({ seconds: secs, threads: Number(threads), version: duckdb.version() }));
}

main().catch((e) => { console.error(e.message); process.exit(1); });
