export { auditJson, recordAudit, recordRefusedLogin, type AuditChange, type RefusedLogin } from "./record-audit.js";
