export { recordAudit, requestIpPrefix, type AuditInput } from './record'
export { listAudit, type AuditEntry, type AuditQuery } from './list'
