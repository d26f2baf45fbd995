export { recordAudit, requestIpPrefix, clientIpPrefix, UNKNOWN_IP, type AuditInput } from './record'
export { audited } from './audited'
export { listAudit, exportAudit, formatCursor, parseCursor, type AuditEntry, type AuditQuery, type AuditCursor, type AuditPage } from './list'
