/**
 * The state table's records as DynamoDB items, written and read with the DynamoDB client directly
 * (lib/store/table.ts): the conversion follows the dynamoose schema, which stays the declaration.
 */
import { describe, expect, it } from 'vitest';
import { NUMBER_FIELDS, STRING_FIELDS, itemOfRecord, recordOfItem, schemaFields, type StateRecord } from '../../../lib/store/table.js';

describe('state records as table items', () => {
  it('converts exactly the fields the dynamoose schema declares, with its types', () => {
    const declared = schemaFields();
    const converted = new Map<string, string>([
      ...STRING_FIELDS.map((f): [string, string] => [f, 'S']),
      ...NUMBER_FIELDS.map((f): [string, string] => [f, 'N']),
    ]);
    expect(converted).toEqual(declared);
  });

  it('writes strings as S and numbers as N, and reads the same record back', () => {
    const record: StateRecord = { project: 'p1', key: 'id#i-0123456789abcdef0', uuid: 'u', ec2Id: 'i-0123456789abcdef0', value: '', data: '{"a":1}', createdAt: 1795927883347, expiresAt: 1796014283 };
    const item = itemOfRecord(record);
    expect(item).toEqual({
      project: { S: 'p1' },
      key: { S: 'id#i-0123456789abcdef0' },
      uuid: { S: 'u' },
      ec2Id: { S: 'i-0123456789abcdef0' },
      value: { S: '' },
      data: { S: '{"a":1}' },
      createdAt: { N: '1795927883347' },
      expiresAt: { N: '1796014283' },
    });
    expect(recordOfItem(item)).toEqual(record);
  });

  it('leaves out absent fields and fields the schema does not declare', () => {
    const record = { project: 'p1', key: 'k', data: 'x', extra: 'not in the schema' } as unknown as StateRecord;
    expect(itemOfRecord(record)).toEqual({ project: { S: 'p1' }, key: { S: 'k' }, data: { S: 'x' } });
  });

  it('refuses a field of the wrong type before anything is written', () => {
    expect(() => itemOfRecord({ project: 'p1', key: 'k', createdAt: '5' } as unknown as StateRecord)).toThrow(/createdAt/);
    expect(() => itemOfRecord({ project: 'p1', key: 'k', value: 5 } as unknown as StateRecord)).toThrow(/value/);
    expect(() => itemOfRecord({ project: 'p1', key: 'k', expiresAt: Number.NaN })).toThrow(/expiresAt/);
  });
});
