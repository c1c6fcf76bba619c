'use strict';
/*
 * delta_check.js TABLE_DIR [--summary FILE] [--require-stats]
 *
 * An independent checker of a local Delta table: it replays `_delta_log/` itself (JSON
 * commits, and a classic checkpoint read through DuckDB) and checks every live file against
 * what DuckDB reads from it — existence, size, path encoding, Hive partition directories,
 * and the `stats` JSON (numRecords, per-column nullCount, min/max of top-level primitive
 * columns). It shares no code with lakesink, so the two cannot agree on a mistake.
 *
 * Rules it holds the table to (the Delta protocol's, and Spark's stats conventions):
 *   - commits contiguous from 0 (or from the checkpoint the replay starts at), each line one
 *     JSON object, protocol and metaData present after replay;
 *   - when a classic checkpoint exists and the commits before it are still there, replaying
 *     from the checkpoint gives the same protocol, metaData and live files as replaying the
 *     JSON; `_last_checkpoint` names an existing checkpoint with the right counts;
 *   - stats are conservative: a bound may be omitted, never exclude a value that is present.
 *     Timestamps compare at millisecond truncation; strings follow the 32-character prefix
 *     rules (min exact unless truncated, then a prefix; max exact unless truncated, then an
 *     upper bound sharing the prefix).
 *
 * Not responsible for: deletion vectors, column mapping, multi-part or V2 checkpoints (the
 * table is then replayed from its JSON commits only), nested-field stats, the data's values.
 * Prints one line per failure, and a final "N passed, M failed" line; exit 1 on any failure.
 */

const fs = require('fs');
const path = require('path');
const { openDuck, sqlStr, query, Ledger } = require('./lib/util.js');
const { Num, Obj, parseJson, parseTimestamp, parseDate, decimalText, canonDuck } =
    require('./lib/canon.js');
const { DuckDBTypeId: T } = require('@duckdb/node-api');

const COMMIT_RE = /^(\d{20})\.json$/;
const CKPT_RE = /^(\d{20})\.checkpoint\.parquet$/;
const OTHER_CKPT_RE = /^(\d{20})\.checkpoint\.(\d{10}\.\d{10}\.parquet|[0-9a-f-]{36}\.(json|parquet))$/;

/* ------------------------------------------------------------ paths */

/* RFC 2396 percent-decoding of %XX only, bytes reassembled as UTF-8. */
function uriDecode(s) {
    const bytes = [];
    for (let i = 0; i < s.length;) {
        if (s[i] === '%' && /^[0-9A-Fa-f]{2}$/.test(s.slice(i + 1, i + 3))) {
            bytes.push(parseInt(s.slice(i + 1, i + 3), 16));
            i += 3;
        } else {
            const cp = s.codePointAt(i);
            const ch = String.fromCodePoint(cp);
            for (const b of Buffer.from(ch, 'utf8')) bytes.push(b);
            i += ch.length;
        }
    }
    return Buffer.from(bytes).toString('utf8');
}

/* The file an add's path names: relative to the table, or a file: URI / absolute path. */
function resolvePath(tableDir, p) {
    let d = uriDecode(p);
    const m = /^file:(\/\/[^/]*)?(\/.*)$/.exec(d);
    if (m) d = m[2];
    if (/^[a-z][a-z0-9+.-]*:/i.test(d)) return { abs: null, rel: null, why: `unsupported scheme in ${p}` };
    if (d.startsWith('/')) {
        const root = path.resolve(tableDir) + '/';
        return { abs: d, rel: d.startsWith(root) ? d.slice(root.length) : null };
    }
    return { abs: path.join(tableDir, d), rel: d };
}

/* Hive directory name unescaping: %XX → the character. */
function hiveUnescape(s) {
    return s.replace(/%([0-9A-Fa-f]{2})/g, (_, h) => String.fromCharCode(parseInt(h, 16)));
}

/* ------------------------------------------------------------ log replay */

function listLog(logDir) {
    const commits = new Map();
    const ckpts = [];
    const others = [];
    for (const name of fs.readdirSync(logDir)) {
        let m;
        if ((m = COMMIT_RE.exec(name))) commits.set(Number(m[1]), name);
        else if ((m = CKPT_RE.exec(name))) ckpts.push(Number(m[1]));
        else if ((m = OTHER_CKPT_RE.exec(name))) others.push(name);
    }
    ckpts.sort((a, b) => a - b);
    return { commits, ckpts, others };
}

/* A fresh replay state. */
function newState() {
    return { protocol: null, metaData: null, files: new Map(), tombstones: new Map(), txns: new Map() };
}

function fileKey(a) {
    const dv = a.deletionVector;
    const dvId = dv ? `${dv.storageType}${dv.pathOrInlineDv}${dv.offset === undefined || dv.offset === null ? '' : '@' + dv.offset}` : '';
    let p = uriDecode(a.path);
    const m = /^file:(\/\/[^/]*)?(\/.*)$/.exec(p);
    if (m) p = m[2];
    return `${p}\u0000${dvId}`;
}

/* Applies one action object (already parsed) to `st`; returns a problem text or null. */
function applyAction(st, act, root) {
    const keys = Object.keys(act);
    if (keys.length !== 1) return `a line must hold exactly one action, has ${keys.join(',') || 'none'}`;
    const k = keys[0];
    const v = act[k];
    if (k === 'protocol') st.protocol = v;
    else if (k === 'metaData') st.metaData = v;
    else if (k === 'txn') st.txns.set(v.appId, v.version);
    else if (k === 'add' || k === 'remove') {
        if (!v || typeof v.path !== 'string') return `${k} without a path`;
        let key = fileKey(v);
        const rootPrefix = path.resolve(root) + '/';
        if (key.startsWith(rootPrefix)) key = key.slice(rootPrefix.length);
        if (k === 'add') {
            st.tombstones.delete(key);
            st.files.set(key, v);
        } else {
            st.files.delete(key);
            st.tombstones.set(key, v);
        }
    }
    return null;
}

/* Replays commit files [from, to] onto st; every line must parse. */
function replayCommits(L, st, logDir, names, from, to, root, label) {
    for (let v = from; v <= to; v++) {
        const name = names.get(v);
        const text = fs.readFileSync(path.join(logDir, name), 'utf8');
        const lines = text.split('\n');
        let bad = null;
        let n = 0;
        for (let i = 0; i < lines.length; i++) {
            if (lines[i].trim() === '') {
                if (i !== lines.length - 1) bad = bad || `line ${i + 1} is empty`;
                continue;
            }
            let act;
            try { act = JSON.parse(lines[i]); } catch (e) { bad = bad || `line ${i + 1} is not JSON: ${e.message}`; continue; }
            if (act === null || typeof act !== 'object' || Array.isArray(act)) { bad = bad || `line ${i + 1} is not an object`; continue; }
            const why = applyAction(st, act, root);
            if (why) bad = bad || `line ${i + 1}: ${why}`;
            n++;
        }
        if (n === 0) bad = bad || 'no actions';
        L.check(bad === null, `${label}: ${name} parses line by line`, bad);
    }
}

/* Reads a classic checkpoint with DuckDB into st. */
async function replayCheckpoint(L, con, st, file, root) {
    const r = await query(con, `SELECT to_json(t)::VARCHAR FROM read_parquet(${sqlStr(file)}) t`);
    let rows = 0;
    let adds = 0;
    for (const [j] of r.rows) {
        const obj = JSON.parse(j);
        const present = Object.entries(obj).filter(([, v]) => v !== null);
        if (present.length !== 1) {
            L.fail(`checkpoint ${path.basename(file)} row ${rows}`, `holds ${present.length} actions`);
            continue;
        }
        const [k, v] = present[0];
        /* checkpoint maps come back as objects, absent ones as null */
        if ((k === 'add' || k === 'remove') && v.partitionValues === null) v.partitionValues = {};
        if (k === 'add') adds++;
        if (k === 'remove') {
            /* a checkpoint's tombstones are only remembered, never applied to its adds */
            st.tombstones.set(fileKey(v), v);
        } else {
            applyAction(st, { [k]: v }, root);
        }
        rows++;
    }
    return { rows, adds };
}

/* ------------------------------------------------------------ schema */

function parseSchema(L, metaData) {
    try {
        const s = JSON.parse(metaData.schemaString);
        if (s.type !== 'struct' || !Array.isArray(s.fields)) throw new Error('not a struct');
        return s.fields;
    } catch (e) {
        L.fail('metaData.schemaString parses', e.message);
        return null;
    }
}

const INT_TYPES = ['byte', 'short', 'integer', 'long'];
/* min/max-eligible primitive types, as Spark's SkippingEligibleDataType */
function statKind(t) {
    if (typeof t !== 'string') return null;
    if (INT_TYPES.includes(t)) return 'int';
    if (t === 'float' || t === 'double') return t;
    if (/^decimal\(\d+,\s*\d+\)$/.test(t)) return 'decimal';
    if (t === 'date') return 'date';
    if (t === 'timestamp' || t === 'timestamp_ntz') return 'ts';
    if (t === 'string') return 'string';
    return null;
}

/* ------------------------------------------------------------ stats comparison */

function utf8Cmp(a, b) {
    return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}
function codePoints(s) { return Array.from(s).length; }
function utf16Units(s) { return s.length; }

/* Checks a string min/max pair against the true values; returns a problem or null. */
function checkStringBounds(smin, smax, tmin, tmax) {
    if (smin !== undefined && smin !== null) {
        if (typeof smin !== 'string') return `min is not a string: ${JSON.stringify(smin)}`;
        if (codePoints(tmin) <= 32) {
            if (smin !== tmin) return `min ${JSON.stringify(smin)} != ${JSON.stringify(tmin)}`;
        } else if (!tmin.startsWith(smin) || utf8Cmp(smin, tmin) > 0) {
            return `truncated min ${JSON.stringify(smin)} is not a prefix of ${JSON.stringify(tmin.slice(0, 40))}…`;
        }
    }
    if (smax !== undefined && smax !== null) {
        if (typeof smax !== 'string') return `max is not a string: ${JSON.stringify(smax)}`;
        if (utf16Units(tmax) <= 32) {
            if (smax !== tmax) return `max ${JSON.stringify(smax)} != ${JSON.stringify(tmax)}`;
        } else {
            if (utf8Cmp(smax, tmax) < 0) {
                return `truncated max ${JSON.stringify(smax)} excludes ${JSON.stringify(tmax.slice(0, 40))}…`;
            }
            const stem = smax.replace(/[\u007f\u{10ffff}]+$/u, '');
            if (!tmax.startsWith(stem)) {
                return `truncated max ${JSON.stringify(smax)} does not share a prefix with ${JSON.stringify(tmax.slice(0, 40))}…`;
            }
        }
    }
    return null;
}

/* A stat value → a comparable canonical value for kind, or {bad}. */
function statValue(kind, type, v) {
    if (kind === 'int') return v instanceof Num && /^-?\d+$/.test(v.lit) ? BigInt(v.lit) : { bad: v };
    if (kind === 'float' || kind === 'double') {
        let x;
        if (v instanceof Num) x = Number(v.lit);
        else if (v === 'NaN') x = NaN;
        else if (v === 'Infinity') x = Infinity;
        else if (v === '-Infinity') x = -Infinity;
        else return { bad: v };
        return kind === 'float' ? Math.fround(x) : x;
    }
    if (kind === 'decimal') {
        const scale = Number(/,\s*(\d+)\)/.exec(type)[1]);
        return v instanceof Num ? `d:${decimalText(v.lit, scale)}` : { bad: v };
    }
    if (kind === 'date') {
        const d = typeof v === 'string' ? parseDate(v) : null;
        return d === null ? { bad: v } : d;
    }
    if (kind === 'ts') {
        const us = typeof v === 'string' ? parseTimestamp(v) : null;
        return us === null ? { bad: v } : us;
    }
    return { bad: v };
}

function floorMs(us) {
    const q = us / 1000n;
    return (us % 1000n !== 0n && us < 0n ? q - 1n : q) * 1000n;
}

/* DuckDB value → comparable canonical value for kind. */
function duckValue(kind, type, v) {
    if (v === null || v === undefined) return null;
    const c = canonDuck(type, v);
    if (kind === 'int') return BigInt(c.slice(2));
    if (kind === 'float' || kind === 'double') return Number(v);
    if (kind === 'decimal') return c;
    if (kind === 'date') return Number(c.slice(5));
    if (kind === 'ts') return floorMs(BigInt(c.slice(3)));
    if (kind === 'string') return String(v);
    return c;
}

function show(x) {
    if (x instanceof Num) return x.lit;
    if (typeof x === 'bigint') return `${x}`;
    return JSON.stringify(x);
}

/* Checks one scalar min/max stat against the true min/max; returns a problem or null. */
function checkScalarBounds(kind, type, smin, smax, tmin, tmax, hasNaN) {
    for (const [which, s, t] of [['min', smin, tmin], ['max', smax, tmax]]) {
        if (s === undefined || s === null) continue;
        const sv = statValue(kind, type, s);
        if (sv !== null && typeof sv === 'object' && 'bad' in sv) return `${which} ${show(s)} is not a ${type}`;
        if (hasNaN || (typeof sv === 'number' && Number.isNaN(sv))) {
            /* NaN orders differently in different engines: only require a non-excluding bound */
            if (Number.isNaN(sv)) continue;
            if (t === null) continue;
            if (which === 'min' ? sv > t : sv < t) return `${which} ${show(s)} excludes ${show(t)} (column has NaN)`;
            continue;
        }
        const eq = kind === 'decimal' ? sv === t : (typeof sv === 'bigint' ? sv === t : sv === t || (sv === 0 && t === 0));
        if (!eq) return `${which} ${show(s)} != DuckDB's ${show(t)}`;
    }
    return null;
}

/* Checks a file's stats against DuckDB. */
async function checkStats(L, con, label, file, add, fields, partCols, opts) {
    let stats;
    if (add.stats === undefined || add.stats === null) {
        if (!opts.allowMissingStats) L.fail(`${label}: stats`, 'the add has no stats');
        return null;
    }
    try { stats = parseJson(add.stats); } catch (e) { L.fail(`${label}: stats parse`, e.message); return null; }
    if (!(stats instanceof Obj)) { L.fail(`${label}: stats`, 'not a JSON object'); return null; }
    const desc = await query(con, `DESCRIBE SELECT * FROM read_parquet(${sqlStr(file)})`);
    const inFile = new Set(desc.rows.map((r) => r[0]));
    const cols = fields.filter((f) => !partCols.includes(f.name));
    const sel = ['count(*)'];
    const plan = [];
    for (const f of cols) {
        if (!inFile.has(f.name)) { plan.push({ f, absent: true }); continue; }
        const q = `"${f.name.replace(/"/g, '""')}"`;
        const kind = statKind(f.type);
        const p = { f, kind, idx: sel.length };
        sel.push(`count(${q})`);
        if (kind === 'float' || kind === 'double') {
            sel.push(`min(${q}) FILTER (WHERE NOT isnan(${q}))`, `max(${q}) FILTER (WHERE NOT isnan(${q}))`,
                `count(*) FILTER (WHERE isnan(${q}))`);
        } else if (kind) {
            sel.push(`min(${q})`, `max(${q})`);
        }
        plan.push(p);
    }
    const r = await query(con, `SELECT ${sel.join(', ')} FROM read_parquet(${sqlStr(file)})`);
    const row = r.rows[0];
    const n = BigInt(row[0]);
    const numRecords = stats.get('numRecords');
    L.check(numRecords instanceof Num && BigInt(numRecords.lit) === n, `${label}: numRecords`,
        () => `stats say ${show(numRecords)}, DuckDB counts ${n}`);
    const sub = (k) => (stats.get(k) instanceof Obj ? stats.get(k) : new Obj([]));
    const mins = sub('minValues');
    const maxs = sub('maxValues');
    const nulls = sub('nullCount');
    for (const p of plan) {
        const name = p.f.name;
        const nc = nulls.get(name);
        if (p.absent) {
            L.check(nc === undefined || (nc instanceof Num && BigInt(nc.lit) === n), `${label}: ${name} nullCount (absent column)`,
                () => `nullCount ${show(nc)} for a column the file lacks (${n} rows)`);
            L.check(mins.get(name) === undefined && maxs.get(name) === undefined, `${label}: ${name} no bounds (absent column)`,
                'min/max for a column the file lacks');
            continue;
        }
        const nonNull = BigInt(row[p.idx]);
        const nullCount = n - nonNull;
        if (nc instanceof Obj) {
            L.check(typeof p.f.type === 'object' && p.f.type.type === 'struct', `${label}: ${name} nullCount`,
                'an object for a non-struct column');
            continue;
        }
        if (nc === undefined) {
            if (!opts.allowMissingStats && p.f.type !== 'binary' && typeof p.f.type === 'string') {
                L.fail(`${label}: ${name} nullCount`, 'missing');
            }
        } else {
            L.check(nc instanceof Num && BigInt(nc.lit) === nullCount, `${label}: ${name} nullCount`,
                () => `stats say ${show(nc)}, DuckDB counts ${nullCount} NULLs`);
        }
        if (!p.kind) {
            L.check(mins.get(name) === undefined && maxs.get(name) === undefined, `${label}: ${name} no bounds`,
                () => `min/max on a ${JSON.stringify(p.f.type)} column`);
            continue;
        }
        const smin = mins.get(name);
        const smax = maxs.get(name);
        const hasNaN = (p.kind === 'float' || p.kind === 'double') && BigInt(row[p.idx + 3]) > 0n;
        if (nonNull === 0n || (hasNaN && row[p.idx + 1] === null)) {
            L.check((smin === undefined || smin === null || hasNaN) && (smax === undefined || smax === null || hasNaN),
                `${label}: ${name} bounds (all null)`, () => `min ${show(smin)} / max ${show(smax)} on an all-null column`);
            continue;
        }
        if (smin === undefined && smax === undefined) {
            if (!opts.allowMissingStats) L.fail(`${label}: ${name} min/max`, 'missing');
            continue;
        }
        const tmin = duckValue(p.kind, r.types[p.idx + 1], row[p.idx + 1]);
        const tmax = duckValue(p.kind, r.types[p.idx + 2], row[p.idx + 2]);
        const why = p.kind === 'string'
            ? checkStringBounds(smin, smax, tmin, tmax)
            : checkScalarBounds(p.kind, p.f.type, smin, smax, tmin, tmax, hasNaN);
        L.check(why === null, `${label}: ${name} min/max`, why);
    }
    return Number(n);
}

/* ------------------------------------------------------------ per-file checks */

function checkPartition(L, label, rel, add, partCols) {
    const pv = add.partitionValues || {};
    const keys = Object.keys(pv);
    L.check(keys.length === partCols.length && partCols.every((c) => keys.includes(c)),
        `${label}: partitionValues keys`, () => `has ${JSON.stringify(keys)}, table partitions by ${JSON.stringify(partCols)}`);
    if (partCols.length === 0) return;
    if (rel === null) { L.fail(`${label}: Hive directories`, 'the file is outside the table'); return; }
    const dirs = rel.split('/').slice(0, -1);
    /* writers may put a random prefix first; the partition directories are the last ones */
    const tail = dirs.slice(dirs.length - partCols.length);
    let why = null;
    if (dirs.length < partCols.length) why = `path ${rel} has fewer directories than partition columns`;
    for (let i = 0; !why && i < partCols.length; i++) {
        const eq = tail[i].indexOf('=');
        const col = eq < 0 ? null : hiveUnescape(tail[i].slice(0, eq));
        const val = eq < 0 ? null : hiveUnescape(tail[i].slice(eq + 1));
        const want = pv[partCols[i]];
        if (col !== partCols[i]) why = `directory ${tail[i]} is not for column ${partCols[i]}`;
        else if (want === null || want === undefined || want === '') {
            if (val !== '__HIVE_DEFAULT_PARTITION__') why = `null ${col} in directory ${tail[i]}`;
        } else if (val !== want) why = `directory ${tail[i]} decodes to ${JSON.stringify(val)}, partitionValues say ${JSON.stringify(want)}`;
    }
    L.check(why === null, `${label}: Hive directories`, why);
}

async function checkFile(L, con, root, add, fields, partCols, opts) {
    const label = `file ${add.path}`;
    const rp = resolvePath(root, add.path);
    if (!rp.abs) { L.fail(`${label}: path`, rp.why); return 0; }
    L.check(!add.deletionVector, `${label}: no deletion vector`, 'deletion vectors are outside this checker');
    let st;
    try { st = fs.statSync(rp.abs); } catch (e) { L.fail(`${label}: exists`, `${rp.abs}: ${e.code}`); return 0; }
    L.ok(`${label}: exists`);
    L.check(Number(add.size) === st.size, `${label}: size`, () => `add.size ${add.size}, file has ${st.size} bytes`);
    checkPartition(L, label, rp.rel, add, partCols);
    try {
        const n = await checkStats(L, con, label, rp.abs, add, fields, partCols, opts);
        if (n !== null) return n;
        const r = await query(con, `SELECT count(*) FROM read_parquet(${sqlStr(rp.abs)})`);
        return Number(r.rows[0][0]);
    } catch (e) {
        L.fail(`${label}: DuckDB reads it`, e.message.split('\n')[0]);
        return 0;
    }
}

/* ------------------------------------------------------------ main */

function sameLiveSets(a, b) {
    const problems = [];
    for (const [k, v] of a.files) {
        const w = b.files.get(k);
        if (!w) { problems.push(`${v.path} missing`); continue; }
        if (Number(v.size) !== Number(w.size)) problems.push(`${v.path} size ${v.size} vs ${w.size}`);
        if (JSON.stringify(v.partitionValues || {}) !== JSON.stringify(w.partitionValues || {})) {
            problems.push(`${v.path} partitionValues differ`);
        }
        if ((w.stats !== null && w.stats !== undefined) && v.stats !== w.stats) problems.push(`${v.path} stats differ`);
    }
    for (const [k, w] of b.files) if (!a.files.has(k)) problems.push(`${w.path} extra`);
    return problems;
}

async function checkCheckpoint(L, con, logDir, listing, replayed, root) {
    const last = path.join(logDir, '_last_checkpoint');
    for (const cv of listing.ckpts) {
        const label = `checkpoint ${cv}`;
        const st = newState();
        let info;
        try {
            info = await replayCheckpoint(L, con, st, path.join(logDir, `${String(cv).padStart(20, '0')}.checkpoint.parquet`), root);
        } catch (e) {
            L.fail(`${label}: DuckDB reads it`, e.message.split('\n')[0]);
            continue;
        }
        L.check(st.protocol !== null && st.metaData !== null, `${label}: protocol and metaData`, 'missing');
        const full = newState();
        let haveAll = true;
        for (let v = 0; v <= cv; v++) if (!listing.commits.has(v)) haveAll = false;
        if (!haveAll) continue;
        replayCommits(new Ledger('-'), full, logDir, listing.commits, 0, cv, root, label);
        const probs = sameLiveSets(full, st);
        L.check(probs.length === 0, `${label}: live files equal the JSON replay to ${cv}`, () => probs.slice(0, 5).join('; '));
        L.check(JSON.stringify(full.protocol) === JSON.stringify(normProto(st.protocol, full.protocol)),
            `${label}: protocol equals the JSON replay`, () => `${JSON.stringify(st.protocol)} vs ${JSON.stringify(full.protocol)}`);
        L.check(st.metaData && full.metaData && st.metaData.schemaString === full.metaData.schemaString &&
            st.metaData.id === full.metaData.id &&
            JSON.stringify(st.metaData.partitionColumns) === JSON.stringify(full.metaData.partitionColumns),
        `${label}: metaData equals the JSON replay`, 'schemaString, id or partitionColumns differ');
        if (cv === listing.ckpts[listing.ckpts.length - 1] && fs.existsSync(last)) {
            let lc = null;
            try { lc = JSON.parse(fs.readFileSync(last, 'utf8')); } catch (e) { L.fail('_last_checkpoint parses', e.message); }
            if (lc) {
                L.check(lc.version === cv, '_last_checkpoint names the newest checkpoint', `version ${lc.version}, newest ${cv}`);
                if (lc.version === cv && lc.size !== undefined) {
                    L.check(lc.size === info.rows, '_last_checkpoint size', `${lc.size}, checkpoint has ${info.rows} rows`);
                }
                if (lc.version === cv && lc.numOfAddFiles !== undefined) {
                    L.check(lc.numOfAddFiles === info.adds, '_last_checkpoint numOfAddFiles', `${lc.numOfAddFiles} vs ${info.adds}`);
                }
            }
        }
    }
}

/* Checkpoint protocols carry absent feature lists as null: drop them for the comparison. */
function normProto(p, like) {
    if (!p) return p;
    const o = {};
    for (const k of Object.keys(like || p)) if (p[k] !== null && p[k] !== undefined) o[k] = p[k];
    return o;
}

async function main() {
    const args = process.argv.slice(2);
    const opts = { allowMissingStats: true, summary: null };
    const pos = [];
    for (let i = 0; i < args.length; i++) {
        if (args[i] === '--summary') opts.summary = args[++i];
        else if (args[i] === '--require-stats') opts.allowMissingStats = false;
        else pos.push(args[i]);
    }
    if (pos.length !== 1) {
        console.error('usage: delta_check.js TABLE_DIR [--summary FILE] [--require-stats]');
        process.exit(2);
    }
    const root = pos[0];
    const L = new Ledger(`delta_check ${root}`);
    const logDir = path.join(root, '_delta_log');
    if (!fs.existsSync(logDir)) { L.fail('_delta_log exists', logDir); L.finish(); return; }
    const listing = listLog(logDir);
    const versions = [...listing.commits.keys()].sort((a, b) => a - b);
    if (versions.length === 0) { L.fail('commits exist', 'no commit file'); L.finish(); return; }
    const latest = versions[versions.length - 1];
    /* start from commit 0 when it exists; otherwise from the newest classic checkpoint */
    let start = 0;
    const st = newState();
    const con = await openDuck(1);
    if (!listing.commits.has(0)) {
        const cands = listing.ckpts.filter((c) => c <= latest);
        if (cands.length === 0) { L.fail('commit 0 or a checkpoint exists', 'neither'); L.finish(); return; }
        start = cands[cands.length - 1];
        await replayCheckpoint(L, con, st, path.join(logDir, `${String(start).padStart(20, '0')}.checkpoint.parquet`), root);
        start += 1;
    }
    const gaps = [];
    for (let v = start; v <= latest; v++) if (!listing.commits.has(v)) gaps.push(v);
    L.check(gaps.length === 0, 'versions contiguous', () => `missing commit(s) ${gaps.slice(0, 10).join(', ')} of ${start}..${latest}`);
    if (gaps.length) { L.finish(); return; }
    replayCommits(L, st, logDir, listing.commits, start, latest, root, 'commit');
    L.check(st.protocol !== null, 'protocol present', 'no protocol action');
    L.check(st.metaData !== null, 'metaData present', 'no metaData action');
    if (!st.protocol || !st.metaData) { L.finish(); return; }
    const fields = parseSchema(L, st.metaData);
    if (!fields) { L.finish(); return; }
    const partCols = st.metaData.partitionColumns || [];
    /* --require-stats: every add has stats, every eligible column bounds (default config only) */
    const conf = st.metaData.configuration || {};
    if (conf['delta.dataSkippingNumIndexedCols'] !== undefined || conf['delta.dataSkippingStatsColumns'] !== undefined ||
        fields.length > 32) {
        opts.allowMissingStats = true;
    }
    await checkCheckpoint(L, con, logDir, listing, st, root);
    if (listing.others.length) console.log(`note: ${listing.others.length} multi-part/V2 checkpoint file(s) not checked`);
    let rows = 0;
    for (const add of st.files.values()) rows += await checkFile(L, con, root, add, fields, partCols, opts);
    if (opts.summary) {
        fs.writeFileSync(opts.summary, JSON.stringify({
            version: latest, files: st.files.size, rows, partitionColumns: partCols,
            fields: fields.map((f) => f.name), checkpoints: listing.ckpts,
        }) + '\n');
    }
    L.finish();
}

main().catch((e) => { console.log(`FAIL delta_check: ${e.stack}`); console.log('0 passed, 1 failed'); process.exitCode = 1; });
