'use strict';
/*
 * util.js — what the interop scripts share: running the lakesink binary, opening DuckDB,
 * reading a query's names/types/rows, and a small pass/fail ledger that prints one line
 * per check and sets the exit code.
 */

const { spawnSync } = require('child_process');
const duckdb = require('@duckdb/node-api');

const LAKESINK = process.env.LAKESINK;

/* Run lakesink with `args`; returns {status, signal, stdout, stderr}. */
function lakesink(args, opts = {}) {
    if (!LAKESINK) throw new Error('LAKESINK is not set (path of the lakesink binary)');
    const r = spawnSync(LAKESINK, args, {
        encoding: 'utf8', maxBuffer: 1 << 30, timeout: opts.timeout || 120000, input: opts.input,
    });
    if (r.error && r.error.code !== 'ETIMEDOUT') throw r.error;
    return { status: r.status, signal: r.signal, stdout: r.stdout || '', stderr: r.stderr || '' };
}

async function openDuck(threads = 1) {
    const inst = await duckdb.DuckDBInstance.create(':memory:', { threads: String(threads) });
    return inst.connect();
}

/* Single-quoted SQL string literal. */
function sqlStr(s) {
    return `'${String(s).replace(/'/g, "''")}'`;
}

async function query(con, sql) {
    const r = await con.runAndReadAll(sql);
    return { names: r.columnNames(), types: r.columnTypes(), rows: r.getRows() };
}

async function queryObjects(con, sql) {
    const r = await con.runAndReadAll(sql);
    return r.getRowObjectsJson();
}

class Ledger {
    constructor(name) {
        this.name = name;
        this.passed = 0;
        this.failed = [];
    }
    ok(what) {
        this.passed++;
        if (process.env.LS_VERBOSE) console.log(`ok   ${what}`);
    }
    fail(what, why) {
        this.failed.push(what);
        console.log(`FAIL ${what}: ${why}`);
    }
    check(cond, what, why) {
        if (cond) this.ok(what); else this.fail(what, typeof why === 'function' ? why() : why);
        return cond;
    }
    finish() {
        console.log(`${this.name}: ${this.passed} passed, ${this.failed.length} failed`);
        process.exitCode = this.failed.length ? 1 : 0;
    }
}

module.exports = { lakesink, openDuck, sqlStr, query, queryObjects, Ledger, duckdb };
