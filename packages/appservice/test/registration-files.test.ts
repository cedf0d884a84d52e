/** Registration files: parsed as bridges write them, refused at start-up with every problem listed. */
import { describe, expect, it } from '@jest/globals';
import { ConfigError, parseConfig } from '@lattice/core';
import { loadRegistry, parseRegistration } from '@lattice/appservice';
import { registrationYaml, writeRegistrations } from './support/appservice-server.js';

const config = (files: string[]) => ({ ...parseConfig('server_name: test.local\n', { env: {}, configDir: '/tmp' }), app_service_config_files: files });

const IRC = registrationYaml({
  id: 'irc',
  url: 'http://127.0.0.1:9999/',
  asToken: 'as-secret',
  hsToken: 'hs-secret',
  sender: '_irc_bot',
  users: [{ regex: '@_irc_.*', exclusive: true }],
  aliases: [{ regex: '#_irc_.*', exclusive: false }],
  extra: 'rate_limited: false\nprotocols: [irc]\nde.sorunome.msc2409.push_ephemeral: true\norg.matrix.msc3202: true',
});

describe('appservice registration files', () => {
  it('reads a bridge registration, unstable keys included', () => {
    const parsed = parseRegistration(IRC);
    expect(parsed.errors).toEqual([]);
    const reg = parsed.registration!;
    expect(reg).toMatchObject({ id: 'irc', url: 'http://127.0.0.1:9999', senderLocalpart: '_irc_bot', rateLimited: false, protocols: ['irc'] });
    expect(reg.receiveEphemeral).toBe(true);
    expect(reg.msc3202).toBe(true);
    expect(reg.users.matchesExclusively('@_irc_alice:test.local')).toBe(true);
    expect(reg.users.matches('@alice:test.local')).toBe(false);
    expect(reg.aliases.matches('#_irc_chan:test.local')).toBe(true);
    expect(reg.aliases.matchesExclusively('#_irc_chan:test.local')).toBe(false);
  });

  it('accepts url: null (an appservice that takes no traffic)', () => {
    const parsed = parseRegistration(registrationYaml({ id: 'x', url: null, asToken: 'a', hsToken: 'h', sender: 'bot' }));
    expect(parsed.errors).toEqual([]);
    expect(parsed.registration!.url).toBeNull();
  });

  it('lists every problem of a bad file', () => {
    const parsed = parseRegistration(`id: 5\nas_token: ""\nsender_localpart: "Bad Name"\nnamespaces:\n  users:\n    - regex: "(["\n      exclusive: maybe\n`);
    expect(parsed.registration).toBeUndefined();
    expect(parsed.errors).toEqual(
      expect.arrayContaining([
        'id: required, a non-empty string',
        'as_token: required, a non-empty string',
        'hs_token: required, a non-empty string',
        'sender_localpart: may only contain a-z, 0-9, . _ = - / +',
        'url: required (null when the appservice receives no traffic)',
        'namespaces.users[0].exclusive: required, true or false',
      ]),
    );
    expect(parsed.errors.some((e) => e.startsWith('namespaces.users[0].regex: not a valid regular expression'))).toBe(true);
  });

  it('refuses two appservices with the same id or the same as_token, naming the files', () => {
    const other = registrationYaml({ id: 'irc', url: null, asToken: 'as-secret', hsToken: 'hs-2', sender: 'other' });
    const files = writeRegistrations([IRC, other]);
    let error: unknown;
    try {
      loadRegistry(config(files));
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const errors = (error as ConfigError).errors;
    expect(errors).toEqual([
      `${files[1]}: id: "irc" is already the id of the appservice in ${files[0]}`,
      `${files[1]}: as_token: already the as_token of the appservice in ${files[0]}`,
    ]);
  });

  it('reports a missing file', () => {
    expect(() => loadRegistry(config(['/nonexistent/registration.yaml']))).toThrow(/cannot read \/nonexistent\/registration.yaml/);
  });
});
