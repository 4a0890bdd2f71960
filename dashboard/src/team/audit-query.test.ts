import { describe, expect, it } from 'vitest';
import { describeAction, describeDetails, parseAuditQuery, serializeAuditQuery } from './audit-query.ts';

describe('parseAuditQuery and serializeAuditQuery', () => {
  it.each([
    ['', {}],
    ['?action=site', { action: 'site' }],
    ['?action=site.update&before=4182', { action: 'site.update', before: 4182 }],
    ['?targetId=site_abc&actorId=user_x', { targetId: 'site_abc', actorId: 'user_x' }],
  ])('reads %j and writes it back', (search, query) => {
    expect(parseAuditQuery(search)).toEqual(query);
    expect(serializeAuditQuery(query)).toBe(search);
  });

  it.each([
    ['an action of three parts', '?action=a.b.c'],
    ['an action in capitals', '?action=Site'],
    ['a target id with a slash', '?targetId=a/b'],
    ['a target id too long', `?targetId=${'x'.repeat(65)}`],
    ['a cursor that is no number', '?before=abc'],
    ['a zero cursor', '?before=0'],
    ['a negative cursor', '?before=-4'],
    ['a fractional cursor', '?before=1.5'],
    ['a huge cursor', '?before=1e400'],
  ])('drops %s', (_, search) => {
    expect(parseAuditQuery(search)).toEqual({});
  });
});

describe('describeDetails', () => {
  it.each([
    [null, ''],
    [{}, ''],
    [{ changed: ['timezone', 'retention_days'] }, 'changed: timezone, retention_days'],
    [{ role: { from: 'viewer', to: 'member' } }, 'role: viewer → member'],
    [{ email: 'a@b.example', role: 'viewer', siteIds: [] }, 'email: a@b.example; role: viewer; siteIds: '],
    [{ nested: { a: 1 } }, 'nested: {"a":1}'],
    [{ count: 3, ok: true, none: null }, 'count: 3; ok: true; none: null'],
  ])('%j → %j', (details, text) => {
    expect(describeDetails(details)).toBe(text);
  });
});

describe('describeAction', () => {
  it.each([
    ['site.update', 'Changed site settings'],
    ['user.invite', 'Invited someone'],
    ['something.new', 'something.new'],
    ['', ''],
  ])('%j → %j', (action, words) => {
    expect(describeAction(action)).toBe(words);
  });
});
