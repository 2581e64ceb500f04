/** A file name that is safe in any file system, archive and header, whatever the resource is called: no separators, no `..` path. */
export const safeFileName = (name: string, extension: string, fallback = 'file'): string =>
  `${name.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 100) || fallback}.${extension}`
