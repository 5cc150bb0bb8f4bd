export { auditJson, recordAudit, type AuditChange } from "./record-audit.js";
