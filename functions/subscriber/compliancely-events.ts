/**
 * Compliancely's TIN check records as a subscriber receives them. Compliancely sends the record
 * itself, with no envelope; the subscriber gives it the same envelope as a ComplyCube event so one
 * handler reads both: `id` is the idempotency key the receiver derived
 * (`<record id>#<updated_date>#<status slug>`), `type` the derived event type, `createdAt` the
 * record's `updated_date` (docs/compliancely.md).
 */
import type { CompliancelyEventType } from '../../contract/event-types.js';
import type { Open, Timestamp } from './complycube-events.js';

export type { CompliancelyEventType };

export type TinCheckStatus = Open<'Pending' | 'TIN Matched' | 'Did Not Match' | 'In Review'>;

/** A TIN check record, exactly as Compliancely's API returns it and its webhook sends it. */
export interface TinCheckRecord {
  readonly id: number | string;
  readonly name?: string;
  readonly tin?: string;
  readonly status: TinCheckStatus;
  readonly created_by?: string;
  readonly irs_code?: number | null;
  readonly irs_reason?: string | null;
  readonly irs_service_status?: string | null;
  readonly last_irs_check_date?: Timestamp | null;
  readonly created_date?: Timestamp;
  readonly updated_date: Timestamp;
  readonly [field: string]: unknown;
}

/** The status each documented event type stands for. */
export interface CompliancelyEventMap {
  'tin_check.pending': 'Pending';
  'tin_check.tin_matched': 'TIN Matched';
  'tin_check.did_not_match': 'Did Not Match';
  'tin_check.in_review': 'In Review';
}

export type CompliancelyEventOf<T extends CompliancelyEventType> = T extends CompliancelyEventType
  ? {
      readonly provider: 'compliancely';
      readonly known: true;
      /** The receiver's idempotency key of this state of the record. */
      readonly id: string;
      readonly type: T;
      readonly resourceType: 'tin_check';
      readonly payload: TinCheckRecord & { readonly status: CompliancelyEventMap[T] };
      /** The record's `updated_date`. */
      readonly createdAt: Timestamp;
    }
  : never;

/** Every documented Compliancely event. */
export type CompliancelyEvent = CompliancelyEventOf<CompliancelyEventType>;
