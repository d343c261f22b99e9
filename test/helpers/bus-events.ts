/**
 * EventBridge events as the receiver publishes them and a subscriber gets them, built from the
 * fixtures: `detail` is the body exactly as the provider sent it.
 */
import { randomUUID } from 'node:crypto';
import { type ComplyCubeEvent, loadFixture } from '../../fixtures/complycube.js';
import { compliancelyEventType } from '../../functions/receiver/providers/compliancely.js';
import { loadCompliancelyFixture, type TinCheckRecord } from './compliancely.js';

export interface TestBusEvent {
  readonly version: '0';
  readonly id: string;
  readonly 'detail-type': string;
  readonly source: string;
  readonly account: string;
  readonly time: string;
  readonly region: string;
  readonly resources: readonly string[];
  readonly detail: unknown;
}

/** The bus event carrying a ComplyCube event. */
export function complyCubeBusEvent(detail: ComplyCubeEvent | Record<string, unknown>): TestBusEvent {
  const type = typeof detail.type === 'string' ? detail.type : 'unknown';
  return busEvent('com.complycube', type, detail);
}

/** The bus event carrying a ComplyCube fixture, with overrides of the envelope and the payload. */
export function fixtureBusEvent(
  type: string,
  overrides: {
    readonly id?: string;
    readonly createdAt?: string;
    readonly payload?: Record<string, unknown>;
  } = {},
): TestBusEvent {
  const fixture = loadFixture(type);
  return complyCubeBusEvent({
    ...fixture,
    ...(overrides.id === undefined ? {} : { id: overrides.id }),
    ...(overrides.createdAt === undefined ? {} : { createdAt: overrides.createdAt }),
    payload: { ...fixture.payload, ...overrides.payload },
  });
}

/** The bus event carrying a Compliancely record, its detail-type derived as the receiver derives it. */
export function compliancelyBusEvent(record: TinCheckRecord | Record<string, unknown>): TestBusEvent {
  const status = typeof record.status === 'string' ? record.status : '';
  return busEvent('com.compliancely', compliancelyEventType(status), record);
}

export function compliancelyFixtureBusEvent(slug: string): TestBusEvent {
  return compliancelyBusEvent(loadCompliancelyFixture(slug));
}

export function busEvent(source: string, detailType: string, detail: unknown): TestBusEvent {
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': detailType,
    source,
    account: '123456789012',
    time: new Date().toISOString(),
    region: 'us-east-1',
    resources: [],
    detail,
  };
}
