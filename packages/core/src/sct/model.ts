// What the parser makes of an Oracle DDL script: tables with their columns and constraints, and the
// other objects the converter either folds into the tables (sequences, ALTER TABLE, indexes,
// comments) or reports (PL/SQL units, views, …). Names are kept as Oracle spells them.

/** An Oracle name: unquoted names are already upper-cased by the lexer; quoted ones are verbatim. */
export interface OraName {
  schema: string | null;
  name: string;
  /** Whether the (last) part was a quoted identifier. */
  quoted: boolean;
}

export interface Pos {
  line: number;
  col: number;
}

export interface OraType {
  /** Canonical upper-case name: NUMBER, VARCHAR2, TIMESTAMP WITH TIME ZONE, LONG RAW, … */
  name: string;
  /** NUMBER(p,s) / FLOAT(b) precision; "*" for NUMBER(*,s). */
  precision: number | "*" | null;
  scale: number | null;
  /** Character and binary lengths (VARCHAR2(n), CHAR(n), RAW(n)). */
  length: number | null;
  /** VARCHAR2(n BYTE|CHAR), CHAR(n BYTE|CHAR); null when the script doesn't say. */
  semantics: "BYTE" | "CHAR" | null;
  /** TIMESTAMP(n) fractional seconds precision. */
  fsp: number | null;
  /** The type as written, for messages. */
  text: string;
  pos: Pos;
}

export type DefaultExpr =
  | { kind: "literal"; sql: string; text: string /** A string literal's value. */; string?: string }
  | {
      kind: "now";
      fn: "SYSDATE" | "SYSTIMESTAMP" | "CURRENT_DATE" | "CURRENT_TIMESTAMP" | "LOCALTIMESTAMP";
      text: string;
    }
  | { kind: "user"; text: string }
  | { kind: "nextval"; sequence: OraName; text: string }
  | { kind: "null"; text: string }
  | { kind: "other"; text: string };

export interface Identity {
  /** ALWAYS, BY DEFAULT, or the sequence/trigger pair the converter found. */
  source: "always" | "by default" | "sequence" | "trigger";
  start: number | null;
  increment: number | null;
  sequence?: OraName;
}

export interface Column {
  name: string;
  quoted: boolean;
  type: OraType | null;
  notNull: boolean;
  default: DefaultExpr | null;
  defaultPos: Pos | null;
  identity: Identity | null;
  /** `col AS (expr)` / GENERATED ALWAYS AS (expr) VIRTUAL. */
  virtual: string | null;
  pos: Pos;
}

export type ConstraintKind = "primary" | "unique" | "check" | "foreign";

export interface Constraint {
  kind: ConstraintKind;
  /** The Oracle name, or null when unnamed (or a system name like SYS_C0012345). */
  name: string | null;
  columns: string[];
  /** CHECK condition as written. */
  condition?: string;
  references?: { table: OraName; columns: string[]; onDelete: string | null };
  /** DISABLE in Oracle: rows may break it. */
  disabled: boolean;
  pos: Pos;
}

export interface Table {
  name: OraName;
  columns: Column[];
  constraints: Constraint[];
  comment: string | null;
  columnComments: Map<string, string>;
  /** Physical/storage clauses ignored (TABLESPACE, PCTFREE, STORAGE, PARTITION BY, …). */
  ignored: string[];
  pos: Pos;
}

export interface Index {
  name: OraName;
  table: OraName;
  unique: boolean;
  bitmap: boolean;
  /** Plain columns, or null when some key is an expression (function-based index). */
  columns: string[] | null;
  text: string;
  pos: Pos;
}

export interface Sequence {
  name: OraName;
  start: number | null;
  increment: number | null;
  pos: Pos;
}

export interface Trigger {
  name: OraName;
  table: OraName | null;
  timing: string;
  events: string[];
  /** `:NEW.col := seq.NEXTVAL` (or SELECT seq.NEXTVAL INTO :NEW.col FROM DUAL) in the body. */
  idFill: { column: string; sequence: OraName } | null;
  /** Whether the body does more than fill that id. */
  otherLogic: boolean;
  pos: Pos;
}

/** A statement the converter does not turn into DDL, said in the report. */
export interface Skipped {
  kind: string;
  name: string | null;
  pos: Pos;
  reason: string;
  action: string;
}

/** ALTER TABLE … that the converter folds into a table defined in the same script. */
export type Alteration =
  | { kind: "constraint"; table: OraName; constraint: Constraint; pos: Pos }
  | { kind: "column"; table: OraName; column: Column; pos: Pos }
  | { kind: "notnull"; table: OraName; column: string; notNull: boolean; pos: Pos }
  | { kind: "default"; table: OraName; column: string; value: DefaultExpr; pos: Pos };

export interface CommentOn {
  on: "table" | "column";
  table: OraName;
  column: string | null;
  text: string;
  pos: Pos;
}

export interface Script {
  tables: Table[];
  indexes: Index[];
  sequences: Sequence[];
  triggers: Trigger[];
  alterations: Alteration[];
  comments: CommentOn[];
  skipped: Skipped[];
  /** Oddities the parser worked around (a PL/SQL unit without its `/`, …). */
  notes: { pos: Pos; kind: string; name: string | null; message: string }[];
}

/** An Oracle name as the script spells it, for messages: CRM.CUSTOMERS. */
export function showName(n: OraName): string {
  return n.schema ? `${n.schema}.${n.name}` : n.name;
}
