import type { DialectName } from "./dialect.js";

/** Where a database is, as parsed from a `JOBWIRE_DATABASE_URL`-style string. */
export type DatabaseLocation =
  | { readonly dialect: "sqlite"; /** A file path, or `:memory:`. */ readonly filename: string }
  | {
      readonly dialect: "mysql";
      readonly host: string;
      readonly port: number;
      readonly user: string;
      readonly password: string;
      readonly database: string;
    }
  | {
      readonly dialect: "postgres";
      /** The URL as pg understands it, without jobwire's own `schema` parameter. */
      readonly connectionString: string;
      /** Schema all tables live in (set as the search_path), or undefined for the server's default. */
      readonly schema: string | undefined;
    };

const ACCEPTED_FORMS =
  "accepted forms: sqlite:./data/jobwire.db, sqlite:///absolute/path.db, sqlite::memory:, " +
  "mysql://user:password@host:3306/database, postgres://user:password@host:5432/database[?schema=name] " +
  "(postgresql:// works too)";

/** A PostgreSQL schema name that needs no quoting (unquoted names are lower-cased by PostgreSQL anyway). */
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/** Parses a database URL; throws an Error saying what is wrong and which forms are accepted. */
export function parseDatabaseUrl(url: string): DatabaseLocation {
  const fail = (problem: string): never => {
    throw new Error(`invalid database URL "${redactDatabaseUrl(url)}": ${problem}; ${ACCEPTED_FORMS}`);
  };
  const trimmed = url.trim();
  if (trimmed === "") return fail("it is empty");
  if (trimmed.startsWith("sqlite:")) return parseSqlite(trimmed.slice("sqlite:".length), fail);

  let parsed: URL;
  try {
    parsed = new URL(trimmed);
  } catch {
    return fail("it is not a URL");
  }
  const protocol = parsed.protocol.replace(/:$/, "");
  if (protocol === "mysql") return parseMysql(parsed, fail);
  if (protocol === "postgres" || protocol === "postgresql") return parsePostgres(parsed, fail);
  return fail(`the scheme "${protocol}:" is not supported`);
}

/** The dialect a URL names, without validating the rest of it. */
export function dialectOfUrl(url: string): DialectName {
  return parseDatabaseUrl(url).dialect;
}

/** The URL with its password replaced by `***`, for messages and logs. */
export function redactDatabaseUrl(url: string): string {
  return url.replace(/^([a-z]+:\/\/[^:/@]*:)[^@/]*@/i, "$1***@");
}

function parseSqlite(rest: string, fail: (problem: string) => never): DatabaseLocation {
  if (rest === ":memory:") return { dialect: "sqlite", filename: ":memory:" };
  if (rest.startsWith("///")) return { dialect: "sqlite", filename: decodeURIComponent(rest.slice(2)) };
  if (rest.startsWith("//")) return fail("a sqlite URL has no host; use sqlite:./relative/path.db or sqlite:///absolute/path.db");
  if (rest === "") return fail("the sqlite file path is missing");
  return { dialect: "sqlite", filename: rest };
}

function parseMysql(parsed: URL, fail: (problem: string) => never): DatabaseLocation {
  if (parsed.hostname === "") return fail("the host is missing");
  const database = decodeURIComponent(parsed.pathname.replace(/^\//, ""));
  if (database === "" || database.includes("/")) return fail("the path must name exactly one database, e.g. /jobwire");
  const params = [...parsed.searchParams.keys()];
  if (params.length > 0) return fail(`query parameters are not supported for mysql (got ${params.join(", ")})`);
  return {
    dialect: "mysql",
    host: parsed.hostname,
    port: parsePort(parsed.port, 3306, fail),
    user: decodeURIComponent(parsed.username),
    password: decodeURIComponent(parsed.password),
    database,
  };
}

function parsePostgres(parsed: URL, fail: (problem: string) => never): DatabaseLocation {
  if (parsed.hostname === "") return fail("the host is missing");
  parsePort(parsed.port, 5432, fail);
  const schemas = parsed.searchParams.getAll("schema");
  if (schemas.length > 1) return fail("the schema parameter is given more than once");
  const schema = schemas[0];
  if (schema !== undefined && !SCHEMA_NAME.test(schema)) {
    return fail(`the schema "${schema}" must be 1–63 characters of lower-case letters, digits and "_", not starting with a digit`);
  }
  const withoutSchema = new URL(parsed.href);
  withoutSchema.searchParams.delete("schema");
  // pg reads the scheme-agnostic parts only; normalise postgresql:// so that every consumer sees one form.
  const connectionString = withoutSchema.href.replace(/^postgresql:/, "postgres:");
  return { dialect: "postgres", connectionString, schema };
}

function parsePort(port: string, fallback: number, fail: (problem: string) => never): number {
  if (port === "") return fallback;
  const n = Number(port);
  if (!Number.isInteger(n) || n < 1 || n > 65_535) return fail(`the port "${port}" is not a number from 1 to 65535`);
  return n;
}
