import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkPlaceholder, normalizeSerial, specV1 } from './index.js';

describe('checkPlaceholder', () => {
  it.each([
    'To Be Filled By O.E.M.', 'to be filled by o.e.m.', '  TO  BE FILLED BY O.E.M.  ', 'Default string', 'DEFAULT STRING',
    'System Serial Number', 'Not Specified', '0123456789', 'None', '0', '00000000', 'XXXXXXXXXX', 'xxxxxxxxxxx', '..........',
    '-----', 'Chassis Serial Number', 'N/A', '-1', '12345', '1234567890', '0x0000', '', '   ', 'SN-12345', 'To be filled by vendor',
    'ab\u0001cd',
  ])('rejects %j', (raw) => {
    expect(checkPlaceholder(raw)).not.toBeNull();
  });

  it.each(['7XK2QH3', 'CZJ8420F2K', 'VMware-42 1a 2b 3c 4d 5e 6f 70-81 92 a3 b4 c5 d6 e7 f8', 'SERIALX1', 'ZM19AS012345', '219356432', 'J30097KL', 'PF1A2B3C'])(
    'accepts real-looking %j',
    (raw) => {
      expect(checkPlaceholder(raw)).toBeNull();
    },
  );

  it('every exact spec entry is rejected in any case and spacing, and names its source', () => {
    for (const e of specV1.serial.placeholders.exact) {
      const mangled = ` ${e.value.toUpperCase().replace(/ /g, '   ')} `;
      const v = checkPlaceholder(mangled);
      expect(v, e.value).not.toBeNull();
      expect(v!.source.length).toBeGreaterThan(0);
    }
  });

  it('any single character repeated is junk', () => {
    fc.assert(fc.property(fc.constantFrom(...'0123456789ABXYZx.-'), fc.integer({ min: 1, max: 30 }), (ch, n) => checkPlaceholder(ch.repeat(n)) !== null));
  });
});

describe('normalizeSerial', () => {
  it('puts VMware serials in one form whatever the spacing and case', () => {
    const a = normalizeSerial('VMware-42 1a 2b 3c 4d 5e 6f 70-81 92 a3 b4 c5 d6 e7 f8');
    const b = normalizeSerial('vmware-421A2B3C4D5E6F70-8192A3B4C5D6E7F8');
    expect(a).toEqual({ value: 'VMware-421a2b3c4d5e6f708192a3b4c5d6e7f8', rule: 'vmware' });
    expect(b).toEqual(a);
  });

  it('puts Hyper-V serials in dashed form', () => {
    expect(normalizeSerial('12345678901234567890123456').value).toBe('1234-5678-9012-3456-7890-1234-56');
    expect(normalizeSerial(' 1234-5678-9012-3456-7890-1234-56 ').value).toBe('1234-5678-9012-3456-7890-1234-56');
  });

  it('upper-cases and trims other serials, and is idempotent', () => {
    expect(normalizeSerial('  cz j8420f2k ')).toEqual({ value: 'CZ J8420F2K', rule: 'case-fold' });
    fc.assert(fc.property(fc.string({ minLength: 1, maxLength: 40 }), (s) => {
      const once = normalizeSerial(s).value;
      return normalizeSerial(once).value === once;
    }));
  });
});
