'use strict';
/*
 * canon.js — puts a row read by DuckDB and a row printed by `lakesink parquet cat` (or an
 * NDJSON fixture) into one canonical form, driven by DuckDB's column type, so the two can
 * be compared with ===. The canonical form follows the NDJSON conventions of json.h:
 * integers exact (BigInt), floats compared at their stored precision (float32 values
 * through Math.fround), decimals as scale-exact strings, dates as days, timestamps as
 * microseconds since the epoch, binary as base64, maps as ordered [key, value] pairs.
 *
 * Not responsible for: deciding which files to compare (the test scripts do).
 */

const { DuckDBTypeId: T } = require('@duckdb/node-api');

/* ------------------------------------------------------------ JSON parser */

/* A number literal kept as text, so 64-bit integers and decimals stay exact. */
class Num {
    constructor(lit) { this.lit = lit; }
}
/* An object kept as ordered [key, value] entries (duplicates preserved). */
class Obj {
    constructor(entries) { this.entries = entries; }
    get(key) {
        const e = this.entries.find(([k]) => k === key);
        return e === undefined ? undefined : e[1];
    }
}

function parseJson(text) {
    let i = 0;
    const ws = () => { while (i < text.length && ' \t\r\n'.includes(text[i])) i++; };
    const fail = (what) => { throw new Error(`JSON: ${what} at offset ${i}: ${text.slice(i, i + 40)}`); };
    function value() {
        ws();
        const c = text[i];
        if (c === '{') {
            i++;
            const entries = [];
            ws();
            if (text[i] === '}') { i++; return new Obj(entries); }
            for (;;) {
                ws();
                if (text[i] !== '"') fail('expected a key');
                const k = string();
                ws();
                if (text[i++] !== ':') fail('expected :');
                entries.push([k, value()]);
                ws();
                if (text[i] === ',') { i++; continue; }
                if (text[i] === '}') { i++; return new Obj(entries); }
                fail('expected , or }');
            }
        }
        if (c === '[') {
            i++;
            const items = [];
            ws();
            if (text[i] === ']') { i++; return items; }
            for (;;) {
                items.push(value());
                ws();
                if (text[i] === ',') { i++; continue; }
                if (text[i] === ']') { i++; return items; }
                fail('expected , or ]');
            }
        }
        if (c === '"') return string();
        for (const [word, v] of [['true', true], ['false', false], ['null', null]]) {
            if (text.startsWith(word, i)) { i += word.length; return v; }
        }
        const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i, i + 400));
        if (!m) fail('unexpected character');
        i += m[0].length;
        return new Num(m[0]);
    }
    function string() {
        const start = i;
        i++;
        while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
        if (i >= text.length) fail('unterminated string');
        i++;
        return JSON.parse(text.slice(start, i));
    }
    const v = value();
    ws();
    if (i !== text.length) fail('trailing characters');
    return v;
}

function parseNdjson(text) {
    return text.split('\n').filter((l) => l.trim() !== '').map(parseJson);
}

/* ------------------------------------------------------------ calendar */

function daysFromCivil(y, m, d) {
    y -= m <= 2 ? 1 : 0;
    const era = Math.floor(y / 400);
    const yoe = y - era * 400;
    const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
    const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
    return era * 146097 + doe - 719468;
}

const DATE_RE = /^([+-]?\d{4,})-(\d{2})-(\d{2})$/; /* years past 9999 carry a sign */
const TS_RE = /^([+-]?\d{4,})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:?\d{2})?$/;
const TIME_RE = /^(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?$/;

function parseDate(s) {
    const m = DATE_RE.exec(s);
    return m ? daysFromCivil(+m[1], +m[2], +m[3]) : null;
}

/* Microseconds since the epoch of an ISO-8601 text (an offset is applied; none = as is). */
function parseTimestamp(s) {
    const m = TS_RE.exec(s);
    if (!m) return null;
    const days = BigInt(daysFromCivil(+m[1], +m[2], +m[3]));
    const frac = BigInt((m[7] || '').padEnd(9, '0').slice(0, 6) || '0');
    let us = days * 86400000000n + BigInt(+m[4] * 3600 + +m[5] * 60 + +(m[6] || 0)) * 1000000n + frac;
    if (m[8] && m[8] !== 'Z') {
        const z = m[8].replace(':', '');
        const off = BigInt(+z.slice(1, 3) * 3600 + +z.slice(3, 5) * 60) * 1000000n;
        us += z[0] === '+' ? -off : off;
    }
    return us;
}

function parseTime(s) {
    const m = TIME_RE.exec(s);
    if (!m) return null;
    return BigInt(+m[1] * 3600 + +m[2] * 60 + +m[3]) * 1000000n +
        BigInt((m[4] || '').padEnd(6, '0').slice(0, 6));
}

/* ------------------------------------------------------------ numbers */

function floatText(x) {
    if (Number.isNaN(x)) return 'NaN';
    if (Object.is(x, -0)) return '-0';
    return String(x);
}

/* A JSON number or the strings "NaN"/"Infinity"/"-Infinity" as a JS number. */
function jsonNumber(v) {
    if (v instanceof Num) return Number(v.lit);
    if (v === 'NaN') return NaN;
    if (v === 'Infinity') return Infinity;
    if (v === '-Infinity') return -Infinity;
    return undefined;
}

/* Decimal text ("-12.3", "1e2") scaled to exactly `scale` digits: "-12.30". */
function decimalText(text, scale) {
    const m = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(text);
    if (!m) return `bad-decimal:${text}`;
    let digits = (m[2] || '') + (m[3] || '');
    let point = (m[2] || '').length + (m[4] ? +m[4] : 0); /* digits before the point */
    const want = point + scale;
    if (want < 0) return `bad-decimal:${text}`;
    if (digits.length < want) digits = digits.padEnd(want, '0');
    if (/[1-9]/.test(digits.slice(want))) return `inexact-decimal:${text}`;
    return formatScaled(BigInt(m[1] + (digits.slice(0, want) || '0')), scale);
}

function formatScaled(v, scale) {
    const neg = v < 0n;
    let s = (neg ? -v : v).toString();
    if (scale > 0) {
        s = s.padStart(scale + 1, '0');
        s = `${s.slice(0, s.length - scale)}.${s.slice(s.length - scale)}`;
    }
    return (neg ? '-' : '') + s;
}

function isInt(id) {
    return [T.TINYINT, T.SMALLINT, T.INTEGER, T.BIGINT, T.UTINYINT, T.USMALLINT, T.UINTEGER,
        T.UBIGINT, T.HUGEINT, T.UHUGEINT].includes(id);
}
function isTimestamp(id) {
    return [T.TIMESTAMP, T.TIMESTAMP_TZ, T.TIMESTAMP_MS, T.TIMESTAMP_S, T.TIMESTAMP_NS].includes(id);
}

/* ------------------------------------------------------------ DuckDB side */

function floorDiv(a, b) {
    const q = a / b;
    return (a % b !== 0n && (a < 0n) !== (b < 0n)) ? q - 1n : q;
}

function duckTimestampMicros(id, v) {
    if (id === T.TIMESTAMP_MS) return v.millis * 1000n;
    if (id === T.TIMESTAMP_S) return v.seconds * 1000000n;
    if (id === T.TIMESTAMP_NS) return floorDiv(v.nanos, 1000n);
    return v.micros;
}

/* Canonical form of a value DuckDB returned for a column of type `type`. */
function canonDuck(type, v) {
    if (v === null || v === undefined) return null;
    const id = type.typeId;
    if (id === T.BOOLEAN) return v === true;
    if (isInt(id)) return `i:${BigInt(v)}`;
    if (id === T.FLOAT) return `f:${floatText(Math.fround(v))}`;
    if (id === T.DOUBLE) return `f:${floatText(v)}`;
    if (id === T.DECIMAL) return `d:${formatScaled(v.value, v.scale)}`;
    if (id === T.VARCHAR || id === T.ENUM) return `s:${String(v)}`;
    if (id === T.BLOB) return `b:${Buffer.from(v.bytes).toString('base64')}`;
    if (id === T.DATE) return `date:${v.days}`;
    if (isTimestamp(id)) return `ts:${duckTimestampMicros(id, v)}`;
    if (id === T.TIME) return `time:${v.micros}`;
    if (id === T.UUID) return `uuid:${v.toString().toLowerCase()}`;
    if (id === T.LIST || id === T.ARRAY) return v.items.map((x) => canonDuck(type.valueType, x));
    if (id === T.STRUCT) {
        return type.entryNames.map((n, i) => [n, canonDuck(type.entryTypes[i], v.entries[n])]);
    }
    if (id === T.MAP) {
        return v.entries.map((e) => [canonDuck(type.keyType, e.key), canonDuck(type.valueType, e.value)]);
    }
    return `other:${String(v)}`;
}

/* ------------------------------------------------------------ JSON side */

/* Map entries of a JSON value: an object, or an array of {key, value} / [key, value]. */
function mapEntries(v) {
    if (v instanceof Obj) return v.entries;
    if (Array.isArray(v)) {
        return v.map((e) => (e instanceof Obj ? [e.get('key'), e.get('value')] : e));
    }
    return null;
}

/* Canonical form of a parsed NDJSON value for a column DuckDB types as `type`. */
function canonJson(type, v) {
    if (v === null || v === undefined) return null;
    const id = type.typeId;
    const bad = () => `unexpected:${JSON.stringify(v instanceof Num ? v.lit : v)}`;
    if (id === T.BOOLEAN) return typeof v === 'boolean' ? v : bad();
    if (isInt(id)) {
        const t = v instanceof Num ? v.lit : v; /* map keys arrive as strings */
        return typeof t === 'string' && /^-?\d+$/.test(t) ? `i:${BigInt(t)}` : bad();
    }
    if (id === T.FLOAT || id === T.DOUBLE) {
        let x = jsonNumber(v);
        if (x === undefined && typeof v === 'string' && v.trim() !== '' && !Number.isNaN(Number(v))) {
            x = Number(v); /* a map key */
        }
        if (x === undefined) return bad();
        return `f:${floatText(id === T.FLOAT ? Math.fround(x) : x)}`;
    }
    if (id === T.DECIMAL) {
        const t = v instanceof Num ? v.lit : v;
        return typeof t === 'string' ? `d:${decimalText(t, type.scale)}` : bad();
    }
    if (id === T.VARCHAR || id === T.ENUM) return typeof v === 'string' ? `s:${v}` : bad();
    if (id === T.BLOB) {
        return typeof v === 'string' ? `b:${Buffer.from(v, 'base64').toString('base64')}` : bad();
    }
    if (id === T.DATE) {
        const d = typeof v === 'string' ? parseDate(v) : null;
        return d === null ? bad() : `date:${d}`;
    }
    if (isTimestamp(id)) {
        const us = typeof v === 'string' ? parseTimestamp(v) : null;
        return us === null ? bad() : `ts:${us}`;
    }
    if (id === T.TIME) {
        const us = typeof v === 'string' ? parseTime(v) : null;
        return us === null ? bad() : `time:${us}`;
    }
    if (id === T.UUID) return typeof v === 'string' ? `uuid:${v.toLowerCase()}` : bad();
    if (id === T.LIST || id === T.ARRAY) {
        return Array.isArray(v) ? v.map((x) => canonJson(type.valueType, x)) : bad();
    }
    if (id === T.STRUCT) {
        if (!(v instanceof Obj)) return bad();
        return type.entryNames.map((n, i) => [n, canonJson(type.entryTypes[i], v.get(n))]);
    }
    if (id === T.MAP) {
        const entries = mapEntries(v);
        if (entries === null) return bad();
        return entries.map(([k, x]) => [canonJson(type.keyType, k), canonJson(type.valueType, x)]);
    }
    return `other:${JSON.stringify(v)}`;
}

/* Canonical rows: one string per row, columns in DuckDB's order. */
function canonDuckRows(names, types, rows) {
    return rows.map((r) => JSON.stringify(names.map((n, i) => [n, canonDuck(types[i], r[i])])));
}
function canonJsonRows(names, types, rows) {
    return rows.map((r) => JSON.stringify(names.map((n, i) => [n, canonJson(types[i], r instanceof Obj ? r.get(n) : undefined)])));
}

/* First difference of two canonical row lists, or null. */
function firstDiff(a, b) {
    if (a.length !== b.length) {
        const i = a.findIndex((x, k) => x !== b[k]);
        return `row counts differ: ${a.length} vs ${b.length}` +
            (i >= 0 && i < Math.min(a.length, b.length) ? `; first difference at row ${i}:\n  ${a[i]}\n  ${b[i]}` : '');
    }
    for (let i = 0; i < a.length; i++) {
        if (a[i] !== b[i]) return `row ${i} differs:\n  ${a[i].slice(0, 2000)}\n  ${b[i].slice(0, 2000)}`;
    }
    return null;
}

module.exports = {
    Num, Obj, parseJson, parseNdjson, parseDate, parseTimestamp, decimalText, formatScaled,
    canonDuck, canonJson, canonDuckRows, canonJsonRows, firstDiff,
};
