/** What a submission may hold. Each limit is far above a real student's upload. */

/** A kshram.c is a few hundred lines; a megabyte is not a module source. */
export const MAX_SOURCE_BYTES = 1024 * 1024;
/** Any one file in an archive (a stray PDF or binary may come along; a disk image may not). */
export const MAX_ENTRY_BYTES = 8 * 1024 * 1024;
/** All files of an archive together, unpacked: stops zip and gzip bombs early. */
export const MAX_UNPACKED_BYTES = 32 * 1024 * 1024;
/** The archive file itself. */
export const MAX_ARCHIVE_BYTES = 32 * 1024 * 1024;
/** Entries in an archive, or files looked at in a folder. */
export const MAX_ENTRIES = 2_000;
/** Folders nested deeper than this are not searched for kshram.c. */
export const MAX_DEPTH = 6;
/** A symbolic link's target, read to see where it points. */
export const MAX_LINK_BYTES = 4_096;
/** Every byte of a tar stream, headers and padding included: the unpacked limit plus room for MAX_ENTRIES headers. */
export const MAX_TAR_STREAM_BYTES = MAX_UNPACKED_BYTES + MAX_ENTRIES * 2 * 512;
/** Unpacking a real submission takes milliseconds; a pathological archive is stopped after this. */
export const MAX_UNPACK_MS = 5_000;
