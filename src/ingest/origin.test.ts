import { describe, expect, it } from 'vitest';
import { isAllowedHost, sourceHost } from './origin.ts';

describe('sourceHost', () => {
  it.each([
    [{ origin: 'https://Shop.Example.com', referer: 'https://other.example/' }, 'shop.example.com'],
    [{ origin: 'null', referer: 'https://www.example.com/a?b' }, 'www.example.com'],
    [{ referer: 'https://www.example.com./a' }, 'www.example.com'],
    [{ url: 'https://app.example.com/x' }, 'app.example.com'],
    [{}, undefined],
    [{ origin: 'not a url', referer: '::::' }, undefined],
  ])('%j → %j', (input, expected) => {
    expect(sourceHost(input)).toBe(expected);
  });
});

describe('isAllowedHost', () => {
  const site = {
    domain: 'www.acme.example',
    allowedDomains: ['checkout.payments.example', '*.acme-cdn.example'],
  };

  it.each([
    ['www.acme.example', true],
    ['acme.example', true],
    ['checkout.payments.example', true],
    ['eu.acme-cdn.example', true],
    ['acme-cdn.example', true],
    ['a.b.acme-cdn.example', true],
    ['evil.example', false],
    ['acme.example.evil.example', false],
    ['notacme-cdn.example', false],
    ['payments.example', false],
    ['shop.acme.example', false],
  ])('%s → %s', (host, expected) => {
    expect(isAllowedHost(host, site)).toBe(expected);
  });

  it('accepts www. for an apex domain', () => {
    expect(isAllowedHost('www.acme.example', { domain: 'acme.example', allowedDomains: [] })).toBe(true);
  });
});
