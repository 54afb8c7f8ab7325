import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import { businessDaysSince, isOverdue } from './business-days.ts';

describe('business days since a request', () => {
  // 2025-01-03 is a Friday.
  const friday = '2025-01-03T16:00:00Z';
  it('counts weekdays after the day of the request, up to today', () => {
    assert.equal(businessDaysSince(friday, new Date('2025-01-03T23:00:00Z')), 0);
    assert.equal(businessDaysSince(friday, new Date('2025-01-04T12:00:00Z')), 0, 'Saturday');
    assert.equal(businessDaysSince(friday, new Date('2025-01-05T12:00:00Z')), 0, 'Sunday');
    assert.equal(businessDaysSince(friday, new Date('2025-01-06T08:00:00Z')), 1, 'Monday');
    assert.equal(businessDaysSince(friday, new Date('2025-01-07T08:00:00Z')), 2, 'Tuesday');
    assert.equal(businessDaysSince(friday, new Date('2025-01-08T08:00:00Z')), 3, 'Wednesday');
    assert.equal(businessDaysSince(friday, new Date('2025-01-13T08:00:00Z')), 6, 'a week later');
  });
  it('a request sent at the weekend starts counting on Monday', () => {
    assert.equal(businessDaysSince('2025-01-04T10:00:00Z', new Date('2025-01-06T10:00:00Z')), 1);
  });
  it('flags a request only once it is past two business days', () => {
    assert.equal(isOverdue(friday, new Date('2025-01-07T23:59:00Z')), false);
    assert.equal(isOverdue(friday, new Date('2025-01-08T00:00:00Z')), true);
  });
});
