/**
 * The metadata versions AWS's instance metadata service lists at `/`, and which categories a
 * version shows: a client asking for `2009-04-04` (cloud-init's default) sees what AWS showed
 * then, one asking for `latest` sees everything.
 */

/** What `GET /` answers on AWS today, oldest first, `latest` last. */
export const VERSIONS = [
  '1.0',
  '2007-01-19',
  '2007-03-01',
  '2007-08-29',
  '2007-10-10',
  '2007-12-15',
  '2008-02-01',
  '2008-09-01',
  '2009-04-04',
  '2011-01-01',
  '2011-05-01',
  '2012-01-12',
  '2014-02-25',
  '2014-11-05',
  '2015-10-20',
  '2016-04-19',
  '2016-06-30',
  '2016-09-02',
  '2018-03-28',
  '2018-08-17',
  '2018-09-24',
  '2019-10-01',
  '2020-10-27',
  '2021-01-03',
  '2021-03-23',
  '2021-07-15',
  '2022-09-24',
  'latest',
] as const;

export type MetadataVersion = (typeof VERSIONS)[number];

export const isVersion = (value: string): value is MetadataVersion => (VERSIONS as readonly string[]).includes(value);

/**
 * Whether a category introduced in `since` (a date from AWS's category table, which may fall
 * between listed versions, or '1.0') is shown to a client asking for `version`.
 */
export function shows(version: MetadataVersion, since: string): boolean {
  if (version === 'latest' || since === '1.0') return true;
  if (version === '1.0') return false;
  return version >= since;
}

export const versionList = () => VERSIONS.join('\n');
