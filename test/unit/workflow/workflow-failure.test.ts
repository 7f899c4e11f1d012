import { describe, expect, it } from '@jest/globals';
import { causeMessage, failureReason } from '../../../functions/core/workflow-failure.js';

describe('causeMessage', () => {
  it('takes the failed Lambda step’s errorMessage out of its JSON cause', () => {
    expect(causeMessage('{"errorType":"ValidationError","errorMessage":"userId: must be lower case"}')).toBe(
      'userId: must be lower case',
    );
  });

  it('keeps a plain-text cause, JSON without a string errorMessage, and nothing as they are', () => {
    expect(causeMessage('the approval window closed')).toBe('the approval window closed');
    expect(causeMessage('{"errorMessage":42}')).toBe('{"errorMessage":42}');
    expect(causeMessage('null')).toBe('null');
    expect(causeMessage(undefined)).toBe('');
    expect(causeMessage('')).toBe('');
  });
});

describe('failureReason', () => {
  it('joins the error and the message, leaving out a missing part', () => {
    expect(failureReason('OnboardUser.Failed', '{"errorMessage":"boom"}')).toBe('OnboardUser.Failed: boom');
    expect(failureReason('States.Timeout', undefined)).toBe('States.Timeout');
    expect(failureReason(undefined, 'plain')).toBe('plain');
    expect(failureReason(undefined, undefined)).toBe('');
  });
});
