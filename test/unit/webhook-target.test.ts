import { describe, expect, it } from 'vitest';
import {
  checkWebhookUrlForm,
  isBlockedAddress,
  resolveWebhookTarget,
  WebhookTargetError,
} from '../../lambdas/domain/webhook-target.js';

describe('webhook SSRF rules', () => {
  it.each([
    '127.0.0.1',
    '127.1.2.3',
    '10.0.0.1',
    '172.16.5.4',
    '192.168.1.1',
    '169.254.169.254',
    '100.100.100.200',
    '0.0.0.0',
    '224.0.0.1',
    '::1',
    '::',
    'fe80::1',
    'fd00:ec2::254',
    'fc00::1',
    '::ffff:127.0.0.1',
    '::ffff:7f00:1',
    '::ffff:169.254.169.254',
    '::ffff:a9fe:a9fe',
    '::127.0.0.1',
    '64:ff9b::10.0.0.1',
    'ff02::1',
    'not-an-ip',
  ])('%s is blocked', (address) => {
    expect(isBlockedAddress(address)).toBe(true);
  });

  it.each(['93.184.216.34', '8.8.8.8', '2606:4700:4700::1111', '::ffff:8.8.8.8', '172.32.0.1'])(
    '%s is allowed',
    (address) => {
      expect(isBlockedAddress(address)).toBe(false);
    },
  );

  it('only https by default; http too when private targets are allowed; never credentials', () => {
    expect(() => checkWebhookUrlForm('http://example.com/hook', false)).toThrow(WebhookTargetError);
    expect(checkWebhookUrlForm('http://example.com/hook', true).hostname).toBe('example.com');
    expect(() => checkWebhookUrlForm('ftp://example.com/', true)).toThrow(WebhookTargetError);
    expect(() => checkWebhookUrlForm('https://user:pw@example.com/', false)).toThrow(WebhookTargetError);
    expect(() => checkWebhookUrlForm('no url', false)).toThrow(WebhookTargetError);
  });

  it('a host with any blocked address is refused (all answers are checked), the chosen address is returned', async () => {
    const url = new URL('https://hooks.example/receive');
    const mixed = async () => [
      { address: '93.184.216.34', family: 4 },
      { address: '10.1.2.3', family: 4 },
    ];
    await expect(resolveWebhookTarget(url, false, mixed)).rejects.toThrow(/10\.1\.2\.3/);
    const publicOnly = async () => [{ address: '2606:4700:4700::1111', family: 6 }];
    expect(await resolveWebhookTarget(url, false, publicOnly)).toEqual({
      address: '2606:4700:4700::1111',
      family: 6,
    });
    await expect(
      resolveWebhookTarget(url, false, async () => {
        throw new Error('ENOTFOUND');
      }),
    ).rejects.toThrow(/does not resolve/);
    // Literal IPv6 hosts are checked without DNS.
    await expect(resolveWebhookTarget(new URL('https://[::1]/'), false)).rejects.toThrow(WebhookTargetError);
    expect(await resolveWebhookTarget(new URL('http://[::1]:8080/'), true)).toEqual({
      address: '::1',
      family: 6,
    });
  });
});
