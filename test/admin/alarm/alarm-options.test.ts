import { describe, expect, it } from "vitest";
import { ALARM_ENV_VARIABLES, alarmOptionsFromEnv, resolveAlarmOptions, type AlarmOptions } from "../../../src/admin/alarm/index.js";

const SMTP: AlarmOptions = { smtpHost: "smtp.example.com", emailFrom: "alarms@example.com" };

describe("resolveAlarmOptions", () => {
  it("turns email off and leaves webhooks unsigned by default", () => {
    expect(resolveAlarmOptions()).toEqual({
      email: null,
      webhook: { secret: null, timeoutMs: 10_000 },
      publicUrl: null,
      sendTimeoutMs: 30_000,
    });
  });

  it("defaults the SMTP port and TLS mode from each other", () => {
    expect(resolveAlarmOptions(SMTP).email).toEqual({
      host: "smtp.example.com",
      port: 587,
      secure: false,
      auth: null,
      from: "alarms@example.com",
      connectionTimeoutMs: 10_000,
      sendTimeoutMs: 30_000,
    });
    expect(resolveAlarmOptions({ ...SMTP, smtpSecure: true }).email).toMatchObject({ port: 465, secure: true });
    expect(resolveAlarmOptions({ ...SMTP, smtpPort: 465 }).email).toMatchObject({ port: 465, secure: true });
    expect(resolveAlarmOptions({ ...SMTP, smtpPort: 25 }).email).toMatchObject({ port: 25, secure: false });
    expect(resolveAlarmOptions({ ...SMTP, smtpPort: 2465, smtpSecure: true }).email).toMatchObject({ port: 2465, secure: true });
  });

  it("takes the sender from an email-shaped login and keeps every explicit value", () => {
    expect(resolveAlarmOptions({ smtpHost: "smtp.example.com", smtpUser: "mailer@example.com", smtpPassword: "pw" }).email).toMatchObject({
      auth: { user: "mailer@example.com", password: "pw" },
      from: "mailer@example.com",
    });
    const full = resolveAlarmOptions({
      ...SMTP,
      emailFrom: '"Job Wire" <alarms@example.com>',
      smtpConnectionTimeoutMs: 1_000,
      smtpSendTimeoutMs: 2_000,
      webhookSecret: "0123456789abcdef",
      webhookTimeoutMs: 3_000,
      publicUrl: "https://jobs.example.com/console/",
      sendTimeoutMs: 4_000,
    });
    expect(full).toMatchObject({
      email: { from: '"Job Wire" <alarms@example.com>', connectionTimeoutMs: 1_000, sendTimeoutMs: 2_000 },
      webhook: { secret: "0123456789abcdef", timeoutMs: 3_000 },
      publicUrl: "https://jobs.example.com/console",
      sendTimeoutMs: 4_000,
    });
  });

  it.each<[string, AlarmOptions, RegExp]>([
    ["smtpHost blank", { smtpHost: " ", emailFrom: "a@example.com" }, /"smtpHost" must be a host name/],
    ["smtpHost with a path", { smtpHost: "smtp.example.com/x", emailFrom: "a@example.com" }, /"smtpHost" must be a host name/],
    ["smtpHost missing for other SMTP options", { smtpPort: 25, smtpUser: "u" }, /"smtpHost" is required when "smtpPort", "smtpUser" is set/],
    ["smtpPort zero", { ...SMTP, smtpPort: 0 }, /"smtpPort" must be an integer from 1 to 65535/],
    ["smtpPort too large", { ...SMTP, smtpPort: 70_000 }, /"smtpPort"/],
    ["smtpPort fractional", { ...SMTP, smtpPort: 25.5 }, /"smtpPort"/],
    ["smtpUser without password", { ...SMTP, smtpUser: "mailer" }, /"smtpPassword" is required when "smtpUser" is set/],
    ["smtpPassword without user", { ...SMTP, smtpPassword: "pw" }, /"smtpUser" is required when "smtpPassword" is set/],
    ["emailFrom missing", { smtpHost: "smtp.example.com" }, /"emailFrom" is required/],
    ["emailFrom missing with a non-email login", { smtpHost: "smtp.example.com", smtpUser: "mailer", smtpPassword: "pw" }, /"emailFrom" is required/],
    ["emailFrom not an address", { ...SMTP, emailFrom: "jobwire" }, /"emailFrom" must be an email address/],
    ["emailFrom with a line break", { ...SMTP, emailFrom: "a@example.com\r\nBcc: b@example.com" }, /"emailFrom"/],
    ["emailFrom with a bad named address", { ...SMTP, emailFrom: "Jobwire <nope>" }, /"emailFrom"/],
    ["smtpConnectionTimeoutMs zero", { ...SMTP, smtpConnectionTimeoutMs: 0 }, /"smtpConnectionTimeoutMs" must be a positive whole number/],
    ["smtpSendTimeoutMs negative", { ...SMTP, smtpSendTimeoutMs: -1 }, /"smtpSendTimeoutMs"/],
    ["webhookSecret short", { webhookSecret: "short" }, /"webhookSecret" must have at least 16 characters/],
    ["webhookTimeoutMs NaN", { webhookTimeoutMs: Number.NaN }, /"webhookTimeoutMs"/],
    ["publicUrl not a URL", { publicUrl: "jobs.example.com" }, /"publicUrl" must be an http or https URL/],
    ["publicUrl of another scheme", { publicUrl: "javascript:alert(1)" }, /"publicUrl" must be an http or https URL/],
    ["publicUrl with credentials", { publicUrl: "https://user:pw@jobs.example.com" }, /"publicUrl" must not contain credentials/],
    ["sendTimeoutMs infinite", { sendTimeoutMs: Number.POSITIVE_INFINITY }, /"sendTimeoutMs"/],
  ])("rejects %s", (_case, input, message) => {
    expect(() => resolveAlarmOptions(input)).toThrow(message);
  });

  it("never puts secrets into its messages", () => {
    const messageOf = (input: AlarmOptions): string => {
      try {
        resolveAlarmOptions(input);
      } catch (error) {
        return (error as Error).message;
      }
      throw new Error("expected resolveAlarmOptions to throw");
    };
    expect(messageOf({ webhookSecret: "tiny-secret" })).not.toContain("tiny-secret");
    expect(messageOf({ smtpPassword: "hunter2" })).not.toContain("hunter2");
    expect(messageOf({ ...SMTP, smtpUser: "mailer", smtpPassword: "hunter2", emailFrom: "bad" })).not.toContain("hunter2");
  });
});

describe("alarmOptionsFromEnv", () => {
  it("reads every variable and converts port and TLS flag", () => {
    const options = alarmOptionsFromEnv({
      JOBWIRE_SMTP_HOST: "smtp.example.com",
      JOBWIRE_SMTP_PORT: "2525",
      JOBWIRE_SMTP_SECURE: "TRUE",
      JOBWIRE_SMTP_USER: "mailer",
      JOBWIRE_SMTP_PASSWORD: " pw with spaces ",
      JOBWIRE_ALARM_EMAIL_FROM: "alarms@example.com",
      JOBWIRE_WEBHOOK_SECRET: "0123456789abcdef",
      JOBWIRE_PUBLIC_URL: "https://jobs.example.com",
      UNRELATED: "x",
    });
    expect(options).toEqual({
      smtpHost: "smtp.example.com",
      smtpPort: 2525,
      smtpSecure: true,
      smtpUser: "mailer",
      smtpPassword: " pw with spaces ",
      emailFrom: "alarms@example.com",
      webhookSecret: "0123456789abcdef",
      publicUrl: "https://jobs.example.com",
    });
    expect(resolveAlarmOptions(options).email).toMatchObject({ port: 2525, secure: true, auth: { user: "mailer", password: " pw with spaces " } });
  });

  it("leaves out unset and empty variables", () => {
    expect(alarmOptionsFromEnv({})).toEqual({});
    expect(alarmOptionsFromEnv({ JOBWIRE_SMTP_HOST: "", JOBWIRE_SMTP_PORT: "  " })).toEqual({});
  });

  it.each([
    ["0", false],
    ["false", false],
    ["off", false],
    ["1", true],
    ["yes", true],
  ])("reads JOBWIRE_SMTP_SECURE=%s as %s", (value, secure) => {
    expect(alarmOptionsFromEnv({ JOBWIRE_SMTP_SECURE: value }).smtpSecure).toBe(secure);
  });

  it.each([
    ["JOBWIRE_SMTP_PORT", "smtp", /^JOBWIRE_SMTP_PORT must be a port number, got "smtp"$/],
    ["JOBWIRE_SMTP_PORT", "25.5", /^JOBWIRE_SMTP_PORT/],
    ["JOBWIRE_SMTP_SECURE", "maybe", /^JOBWIRE_SMTP_SECURE must be true or false, got "maybe"$/],
  ])("rejects %s=%s naming the variable", (name, value, message) => {
    expect(() => alarmOptionsFromEnv({ [name]: value })).toThrow(message);
  });

  it("lists exactly the documented variables", () => {
    expect(Object.values(ALARM_ENV_VARIABLES).sort()).toEqual([
      "JOBWIRE_ALARM_EMAIL_FROM",
      "JOBWIRE_PUBLIC_URL",
      "JOBWIRE_SMTP_HOST",
      "JOBWIRE_SMTP_PASSWORD",
      "JOBWIRE_SMTP_PORT",
      "JOBWIRE_SMTP_SECURE",
      "JOBWIRE_SMTP_USER",
      "JOBWIRE_WEBHOOK_SECRET",
    ]);
  });
});
