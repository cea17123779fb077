// Oracle column types → Redshift and PostgreSQL types.
//
// Anchors (what we compared against, and where we differ on purpose):
// - AWS SCT's Oracle → Amazon Redshift conversion: DATE → TIMESTAMP (SCT's suggestion for every
//   Oracle DATE, since an Oracle DATE carries a time of day), NUMBER(p,s) → NUMERIC(p,s), VARCHAR2 →
//   VARCHAR, CLOB → VARCHAR(65535), BLOB → VARBYTE; and its PostgreSQL twin, the AWS "Oracle to
//   Aurora PostgreSQL migration playbook" (dms/latest/oracle-to-aurora-postgresql-migration-
//   playbook, "Common Oracle and PostgreSQL data types").
// - AWS DMS, which feeds the warehouse: OracleSettings.NumberDatatypeScale — "By default, the NUMBER
//   data type is converted to precision 38, scale 10". So NUMBER without precision becomes
//   numeric(38,10) here, the values DMS writes, on both targets.
// - ora2pg (lib/Ora2Pg/Oracle.pm %SQL_TYPE, Ora2Pg.pm _sql_type): DATE → timestamp, CLOB/NCLOB/LONG
//   → text, BLOB/RAW/LONG RAW → bytea, BINARY_FLOAT → real, FLOAT → double precision, TIMESTAMP WITH
//   LOCAL TIME ZONE → timestamp with time zone, and with PG_INTEGER_TYPE NUMBER(p) → smallint
//   (p < 5), integer (p ≤ 9), bigint otherwise. We keep numeric(p,0) for p > 18, where bigint would
//   overflow (ora2pg's bigint for NUMBER(19..38) fails on values past 9.2e18).
// - Oracle's own table of ANSI types: INTEGER, INT and SMALLINT are NUMBER(38); FLOAT is
//   FLOAT(126), a decimal with up to 38 digits. So Oracle INTEGER → numeric(38,0) (ora2pg says
//   integer, which would overflow on 10-digit values).
// - Redshift limits (Database Developer Guide): CHAR and VARCHAR lengths are bytes, not
//   characters; VARCHAR holds at most 65535 bytes; CHAR holds single-byte characters only; NCHAR/
//   NVARCHAR are just CHAR/VARCHAR; NUMERIC precision at most 38; VARBYTE(n) 1 … 16,777,216 bytes;
//   INTERVAL YEAR TO MONTH / DAY TO SECOND exist as column types.
import type { Dialect } from "../warehouse/warehouse";
import type { OraType } from "./model";

export const REDSHIFT_VARCHAR_MAX = 65535;
/** BLOB/LONG RAW width on Redshift: 1 MB, well inside VARBYTE's 16,777,216 and COPY's 4 MB row. */
export const REDSHIFT_BLOB_BYTES = 1024000;
/** UTF-8 needs at most 4 bytes per character: a length in characters times 4 is a safe byte length. */
export const BYTES_PER_CHAR = 4;

export interface TypeOptions {
  /** How VARCHAR2(n)/CHAR(n) without BYTE or CHAR count: Oracle's NLS_LENGTH_SEMANTICS (default BYTE). */
  lengthSemantics: "BYTE" | "CHAR";
}

export interface MappedType {
  sql: string;
  /** smallint/integer/bigint: usable for an identity column as is. */
  integer: boolean;
  /** Caveats worth a line in the report (truncation, rounding, …). */
  caveats: string[];
  /** Milder remarks (a type that is only approximately the same). */
  notes: string[];
}

const ok = (sql: string, integer = false): MappedType => ({ sql, integer, caveats: [], notes: [] });

function integerType(p: number): MappedType {
  if (p <= 4) return ok("smallint", true);
  if (p <= 9) return ok("integer", true);
  if (p <= 18) return ok("bigint", true);
  return ok(`numeric(${Math.min(p, 38)},0)`);
}

function numberType(t: OraType, defaultPrecision: number | null): MappedType {
  // NUMBER(*) is NUMBER; NUMBER(*,s) is NUMBER(38,s).
  const star = t.precision === "*";
  const p0 = star
    ? t.scale === null
      ? defaultPrecision
      : 38
    : ((t.precision as number | null) ?? defaultPrecision);
  if (p0 === null) {
    const m = ok("numeric(38,10)");
    m.notes.push(
      `${t.text} has no precision: numeric(38,10), the scale AWS DMS writes by default; more than 10 decimals are rounded`,
    );
    return m;
  }
  let p = Math.min(p0, 38);
  let s = t.scale ?? 0;
  if (s < 0) {
    // NUMBER(p,-s) rounds to 10^s: whole numbers of up to p+s digits.
    p = Math.min(p - s, 38);
    s = 0;
  }
  if (s === 0) return integerType(p);
  if (s > p) p = Math.min(s, 38);
  if (s > 37) {
    const m = ok("numeric(38,37)");
    m.caveats.push(`${t.text}: scale ${s} is beyond Redshift's 37; rounded to 37 decimals`);
    return m;
  }
  return ok(`numeric(${p},${s})`);
}

/** Bytes for a character length on Redshift; capped at VARCHAR's maximum with a caveat. */
function varcharBytes(t: OraType, chars: boolean, m: MappedType): number {
  const n = t.length ?? 1;
  const bytes = chars ? n * BYTES_PER_CHAR : n;
  if (bytes > REDSHIFT_VARCHAR_MAX) {
    m.caveats.push(
      `${t.text}: ${n} characters may need ${bytes} bytes, more than Redshift's VARCHAR maximum ${REDSHIFT_VARCHAR_MAX}; capped, longer values will not load`,
    );
    return REDSHIFT_VARCHAR_MAX;
  }
  return bytes;
}

function charSemantics(t: OraType, opts: TypeOptions): boolean {
  return (t.semantics ?? opts.lengthSemantics) === "CHAR";
}

function lob(target: Dialect, t: OraType, what: string): MappedType {
  if (target === "postgres") return ok("text");
  const m = ok(`varchar(${REDSHIFT_VARCHAR_MAX})`);
  m.caveats.push(
    `${t.text} → varchar(${REDSHIFT_VARCHAR_MAX}): ${what} values over ${REDSHIFT_VARCHAR_MAX} bytes will not load into Redshift; keep large documents in S3 and store their key`,
  );
  return m;
}

export function mapType(t: OraType, target: Dialect, opts: TypeOptions): MappedType {
  const rs = target === "redshift";
  switch (t.name) {
    case "NUMBER":
      return numberType(t, null);
    case "NUMERIC":
    case "DECIMAL":
    case "DEC":
      return numberType(t, 38);
    case "INTEGER":
    case "INT":
    case "SMALLINT": {
      const m = ok("numeric(38,0)");
      m.notes.push(`${t.text} is NUMBER(38) in Oracle: numeric(38,0), not ${t.name.toLowerCase()}`);
      return m;
    }
    case "FLOAT":
    case "REAL":
    case "DOUBLE PRECISION": {
      // FLOAT(p) is a decimal NUMBER of binary precision p (1 to 126, REAL 63, the rest 126):
      // about p × log10(2) decimal digits, where double precision keeps 15.
      const m = ok("double precision");
      const binary =
        typeof t.precision === "number" ? t.precision : t.name.toUpperCase() === "REAL" ? 63 : 126;
      const digits = Math.ceil(binary * Math.log10(2));
      if (digits > 15) {
        m.notes.push(
          `${t.text} is a decimal NUMBER of up to ${digits} digits in Oracle; double precision keeps about 15`,
        );
      }
      return m;
    }
    case "BINARY_FLOAT":
      return ok("real");
    case "BINARY_DOUBLE":
      return ok("double precision");
    case "VARCHAR2":
    case "VARCHAR": {
      if (!rs) return ok(`varchar(${t.length ?? 4000})`);
      const m = ok("");
      m.sql = `varchar(${varcharBytes(t, charSemantics(t, opts), m)})`;
      return m;
    }
    case "NVARCHAR2": {
      if (!rs) return ok(`varchar(${t.length ?? 2000})`);
      const m = ok("");
      m.sql = `varchar(${varcharBytes(t, true, m)})`;
      return m;
    }
    case "CHAR":
    case "CHARACTER":
    case "NCHAR": {
      // Redshift CHAR holds single-byte characters only, so a CHAR that may hold 'é' is a VARCHAR
      // of the same bytes; comparisons ignore trailing blanks there, as Oracle's CHAR does.
      if (!rs) return ok(`char(${t.length ?? 1})`);
      const m = ok("");
      const chars = t.name === "NCHAR" || charSemantics(t, opts);
      m.sql = `varchar(${varcharBytes({ ...t, length: t.length ?? 1 }, chars, m)})`;
      return m;
    }
    case "DATE":
      return ok("timestamp");
    case "TIMESTAMP": {
      const m = ok("timestamp");
      if ((t.fsp ?? 6) > 6)
        m.notes.push(`${t.text}: fractions of a second are kept to microseconds`);
      return m;
    }
    case "TIMESTAMP WITH TIME ZONE": {
      const m = ok("timestamptz");
      m.notes.push(
        `${t.text}: stored as the UTC instant; the original offset or region is not kept`,
      );
      return m;
    }
    case "TIMESTAMP WITH LOCAL TIME ZONE":
      return ok("timestamptz");
    case "INTERVAL YEAR TO MONTH":
      return ok("interval year to month");
    case "INTERVAL DAY TO SECOND":
      return ok("interval day to second");
    case "CLOB":
    case "NCLOB":
      return lob(target, t, t.name);
    case "LONG":
      return lob(target, t, "LONG");
    case "BLOB":
    case "LONG RAW": {
      if (!rs) return ok("bytea");
      const m = ok(`varbyte(${REDSHIFT_BLOB_BYTES})`);
      m.caveats.push(
        `${t.text} → varbyte(${REDSHIFT_BLOB_BYTES}): larger values will not load (VARBYTE allows up to 16,777,216 bytes, COPY 4 MB a row); keep large files in S3 and store their key`,
      );
      return m;
    }
    case "RAW":
      return rs ? ok(`varbyte(${t.length ?? 2000})`) : ok("bytea");
    case "ROWID":
      return ok("varchar(18)");
    case "UROWID":
      return ok(`varchar(${t.length ?? 4000})`);
    case "BOOLEAN":
      return ok("boolean");
    default:
      return unknownType(t, rs);
  }
}

function unknownType(t: OraType, rs: boolean): MappedType {
  const m = ok(rs ? `varchar(${REDSHIFT_VARCHAR_MAX})` : "text");
  const what = /XMLTYPE$/.test(t.name)
    ? "XML"
    : t.name === "JSON"
      ? "JSON"
      : /SDO_GEOMETRY$/.test(t.name)
        ? "a spatial object"
        : t.name === "BFILE"
          ? "a pointer to a file on the Oracle server (DMS does not replicate BFILE)"
          : "a type the converter does not know (a user-defined or Oracle-supplied object type)";
  m.caveats.push(`${t.text} is ${what}: created as ${m.sql}; check what DMS delivers for it`);
  return m;
}
