"""What wx2post wrote into a site, so re-runs are cheap and never touch a user's edits.

`SITE/.wx2post/` holds, for each article (keyed by its identity, the clean article URL):
the post's path, the sha256 of the text written and whether every image was saved; and,
for each input seen (a saved page by path, size and mtime, a link by its clean form), the
article it held.

- A post whose file still has the recorded hash is wx2post's own: a re-run may
  regenerate it (to save images that failed before) or skip it when complete.
- A post edited since, or not written by wx2post, is only replaced with --force.

site.py: SiteState (lock, journal, compaction; the runner's API). records.py: the records
and their validation. lock.py: one run per site. rebuild.py: the record rebuilt from the
posts' front matter when the state file is unreadable.
"""

from __future__ import annotations

from .records import CorruptState, Written
from .site import BACKUP_DIR, JOURNAL_FILE, STATE_FILE, SiteState, text_hash

__all__ = ["BACKUP_DIR", "JOURNAL_FILE", "STATE_FILE", "CorruptState", "SiteState", "Written", "text_hash"]
