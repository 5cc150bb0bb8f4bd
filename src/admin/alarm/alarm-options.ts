/**
 * Configuration of the alarm channels. `resolveAlarmOptions` validates everything at start-up, so a typo in an
 * SMTP port or a console URL stops the admin with a message naming the option instead of surfacing hours later
 * as an undelivered alarm.
 */

/** The alarm options a user sets; every field is optional. */
export interface AlarmOptions {
  /** SMTP server host. Email alarms are off unless it is set. */
  smtpHost?: string;
  /** @default 465 when `smtpSecure`, else 587 */
  smtpPort?: number;
  /**
   * True for implicit TLS (SMTPS, usually port 465). When false the connection is upgraded with STARTTLS
   * whenever the server offers it.
   * @default true when `smtpPort` is 465, else false
   */
  smtpSecure?: boolean;
  /** SMTP login; set together with `smtpPassword`, or neither for servers without authentication. */
  smtpUser?: string;
  smtpPassword?: string;
  /**
   * Sender of alarm emails, `alarms@example.com` or `jobwire <alarms@example.com>`.
   * @default `smtpUser` when it is an email address; required otherwise
   */
  emailFrom?: string;
  /** Time to open the SMTP connection and receive the greeting. @default 10000 */
  smtpConnectionTimeoutMs?: number;
  /** Longest silence of the SMTP server while a message is sent. @default 30000 */
  smtpSendTimeoutMs?: number;
  /**
   * Key of the HMAC-SHA256 signature of webhook alarms (at least 16 characters). Without it webhooks are sent
   * unsigned, and a receiver cannot tell a genuine alarm from a forged one.
   */
  webhookSecret?: string;
  /** Deadline of one webhook request, including reading the answer's status. @default 10000 */
  webhookTimeoutMs?: number;
  /** The admin's public console URL (http or https), shown in alarms so readers can open it. */
  publicUrl?: string;
  /** Upper bound of one delivery to one target, whatever the channel. @default 30000 */
  sendTimeoutMs?: number;
}

export interface ResolvedEmailAlarmOptions {
  readonly host: string;
  readonly port: number;
  readonly secure: boolean;
  /** Null for servers that take mail without a login. */
  readonly auth: { readonly user: string; readonly password: string } | null;
  readonly from: string;
  readonly connectionTimeoutMs: number;
  readonly sendTimeoutMs: number;
}

export interface ResolvedWebhookAlarmOptions {
  /** Null sends unsigned webhooks, which receivers cannot authenticate. */
  readonly secret: string | null;
  readonly timeoutMs: number;
}

/** Alarm options after validation, with every default applied. */
export interface ResolvedAlarmOptions {
  /** Null when email alarms are off (no SMTP host). */
  readonly email: ResolvedEmailAlarmOptions | null;
  readonly webhook: ResolvedWebhookAlarmOptions;
  /** Without a trailing slash; null when not configured. */
  readonly publicUrl: string | null;
  readonly sendTimeoutMs: number;
}

export const MIN_WEBHOOK_SECRET_CHARS = 16;

const EMAIL_ADDRESS = /^[^\s@<>",;]+@[^\s@<>",;]+\.[^\s@<>",;]+$/;
const NAMED_ADDRESS = /^([^<>\r\n"]*|"[^"\r\n]*")\s*<([^<>\s]+)>$/;

/** Validates `input` eagerly and returns it fully defaulted; throws an Error naming the first bad option. */
export function resolveAlarmOptions(input: AlarmOptions = {}): ResolvedAlarmOptions {
  const webhookSecret = input.webhookSecret;
  if (webhookSecret !== undefined && webhookSecret.length < MIN_WEBHOOK_SECRET_CHARS) {
    // The secret itself never appears in a message.
    throw new Error(`alarm option "webhookSecret" must have at least ${MIN_WEBHOOK_SECRET_CHARS} characters`);
  }
  let publicUrl: string | null = null;
  if (input.publicUrl !== undefined) publicUrl = httpUrl("publicUrl", input.publicUrl).replace(/\/+$/, "");
  return {
    email: resolveEmail(input),
    webhook: { secret: webhookSecret ?? null, timeoutMs: positiveMs("webhookTimeoutMs", input.webhookTimeoutMs, 10_000) },
    publicUrl,
    sendTimeoutMs: positiveMs("sendTimeoutMs", input.sendTimeoutMs, 30_000),
  };
}

function resolveEmail(input: AlarmOptions): ResolvedEmailAlarmOptions | null {
  if (input.smtpHost === undefined) {
    // Setting SMTP details without a host is a half-done configuration; say so instead of silently not mailing.
    const stray = (["smtpPort", "smtpSecure", "smtpUser", "smtpPassword", "emailFrom", "smtpConnectionTimeoutMs", "smtpSendTimeoutMs"] as const).filter(
      (name) => input[name] !== undefined,
    );
    if (stray.length > 0) throw new Error(`alarm option "smtpHost" is required when ${stray.map((name) => `"${name}"`).join(", ")} is set`);
    return null;
  }
  const host = input.smtpHost.trim();
  if (host === "" || /[\s/]/.test(host)) throw new Error(`alarm option "smtpHost" must be a host name or address, got ${JSON.stringify(input.smtpHost)}`);
  if (input.smtpPort !== undefined && (!Number.isInteger(input.smtpPort) || input.smtpPort < 1 || input.smtpPort > 65535)) {
    throw new Error(`alarm option "smtpPort" must be an integer from 1 to 65535, got ${String(input.smtpPort)}`);
  }
  const secure = input.smtpSecure ?? input.smtpPort === 465;
  const port = input.smtpPort ?? (secure ? 465 : 587);
  const auth = resolveAuth(input.smtpUser, input.smtpPassword);
  let from: string;
  if (input.emailFrom !== undefined) {
    from = input.emailFrom.trim();
    if (!isSenderAddress(from)) {
      throw new Error(`alarm option "emailFrom" must be an email address like "alarms@example.com" or "jobwire <alarms@example.com>", got ${JSON.stringify(input.emailFrom)}`);
    }
  } else if (auth !== null && EMAIL_ADDRESS.test(auth.user)) {
    from = auth.user;
  } else {
    throw new Error(`alarm option "emailFrom" is required when "smtpUser" is not an email address`);
  }
  return {
    host,
    port,
    secure,
    auth,
    from,
    connectionTimeoutMs: positiveMs("smtpConnectionTimeoutMs", input.smtpConnectionTimeoutMs, 10_000),
    sendTimeoutMs: positiveMs("smtpSendTimeoutMs", input.smtpSendTimeoutMs, 30_000),
  };
}

function resolveAuth(user: string | undefined, password: string | undefined): ResolvedEmailAlarmOptions["auth"] {
  if (user === undefined && password === undefined) return null;
  if (user === undefined || user.trim() === "") throw new Error(`alarm option "smtpUser" is required when "smtpPassword" is set`);
  if (password === undefined || password === "") throw new Error(`alarm option "smtpPassword" is required when "smtpUser" is set`);
  return { user: user.trim(), password };
}

function isSenderAddress(value: string): boolean {
  if (EMAIL_ADDRESS.test(value)) return true;
  const named = NAMED_ADDRESS.exec(value);
  return named !== null && EMAIL_ADDRESS.test(named[2] ?? "");
}

function httpUrl(name: string, value: string): string {
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    throw new Error(`alarm option "${name}" must be an http or https URL, got ${JSON.stringify(value)}`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new Error(`alarm option "${name}" must be an http or https URL, got ${JSON.stringify(value)}`);
  if (url.username !== "" || url.password !== "") throw new Error(`alarm option "${name}" must not contain credentials`);
  return value.trim();
}

function positiveMs(name: string, value: number | undefined, fallback: number): number {
  const resolved = value ?? fallback;
  if (!Number.isInteger(resolved) || resolved <= 0) throw new Error(`alarm option "${name}" must be a positive whole number of milliseconds, got ${String(value)}`);
  return resolved;
}

/** The environment variables `alarmOptionsFromEnv` reads, by option. */
export const ALARM_ENV_VARIABLES = {
  smtpHost: "JOBWIRE_SMTP_HOST",
  smtpPort: "JOBWIRE_SMTP_PORT",
  smtpSecure: "JOBWIRE_SMTP_SECURE",
  smtpUser: "JOBWIRE_SMTP_USER",
  smtpPassword: "JOBWIRE_SMTP_PASSWORD",
  emailFrom: "JOBWIRE_ALARM_EMAIL_FROM",
  webhookSecret: "JOBWIRE_WEBHOOK_SECRET",
  publicUrl: "JOBWIRE_PUBLIC_URL",
} as const satisfies Partial<Record<keyof AlarmOptions, string>>;

/**
 * Reads the alarm options set in `env` (unset and empty variables are left out) and converts the typed ones;
 * throws an Error naming the variable when one cannot be read. The result still goes through
 * `resolveAlarmOptions`, which lets a caller merge it with options from elsewhere first.
 */
export function alarmOptionsFromEnv(env: Readonly<Record<string, string | undefined>> = process.env): AlarmOptions {
  const read = (name: string): string | undefined => {
    const value = env[name];
    return value === undefined || value.trim() === "" ? undefined : value;
  };
  const options: AlarmOptions = {};
  const text = (key: "smtpHost" | "smtpUser" | "smtpPassword" | "emailFrom" | "webhookSecret" | "publicUrl"): void => {
    const value = read(ALARM_ENV_VARIABLES[key]);
    if (value !== undefined) options[key] = value;
  };
  text("smtpHost");
  text("smtpUser");
  text("smtpPassword");
  text("emailFrom");
  text("webhookSecret");
  text("publicUrl");
  const port = read(ALARM_ENV_VARIABLES.smtpPort);
  if (port !== undefined) {
    if (!/^\s*\d+\s*$/.test(port)) throw new Error(`${ALARM_ENV_VARIABLES.smtpPort} must be a port number, got ${JSON.stringify(port)}`);
    options.smtpPort = Number(port);
  }
  const secure = read(ALARM_ENV_VARIABLES.smtpSecure);
  if (secure !== undefined) {
    const flag = BOOLEAN_WORDS[secure.trim().toLowerCase()];
    if (flag === undefined) throw new Error(`${ALARM_ENV_VARIABLES.smtpSecure} must be true or false, got ${JSON.stringify(secure)}`);
    options.smtpSecure = flag;
  }
  return options;
}

const BOOLEAN_WORDS: Readonly<Record<string, boolean>> = { true: true, false: false, "1": true, "0": false, yes: true, no: false, on: true, off: false };
