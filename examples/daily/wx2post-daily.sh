#!/usr/bin/env bash
# A daily publishing job: whatever the followed accounts published becomes posts,
# committed to the blog's git repository. Copy it into your blog and run it from
# cron (`15 7 * * * cd ~/blog && ./wx2post-daily.sh`) or CI (github-workflow.yml).
#
#   ./wx2post-daily.sh [SUBSCRIPTIONS]      default: subscriptions.opml
#
# SUBSCRIPTIONS is an OPML list, a feed, or a bridge's URL for either (WeWe RSS:
# http://localhost:4000/opml). Run it in the blog's folder. Environment:
#   WX2POST        the wx2post command (default: wx2post)
#   WX2POST_LOG    where the --json log goes (default: .wx2post/daily.jsonl, appended)
#
# Exit status: 0 when the blog is up to date (new posts committed, or none that
# day); the job fails only when something needs a person: 1 some feed or image
# failed (what worked is committed), 2 a usage error, 3 nothing could be
# converted. A WeChat verification (wx2post's 4) is transient: what was converted
# is committed, the rest is tried again tomorrow, and the job passes with a warning.
# Another run still holding the site (wx2post's 5) is no failure either: this one
# leaves the site to it.
set -uo pipefail

subscriptions=${1:-subscriptions.opml}
wx2post=${WX2POST:-wx2post}
log=${WX2POST_LOG:-.wx2post/daily.jsonl}
mkdir -p "$(dirname "$log")"

# --json: one line per input for the log; no prompt ever; --no-wait: a run still
# going from yesterday holds the site's lock, and two jobs must not queue up.
$wx2post convert "$subscriptions" -o . --json --no-wait >>"$log"
status=$?

case $status in
  0 | 1 | 4) ;;  # something may have been converted: commit it
  5) echo "wx2post-daily: another wx2post run holds this blog; leaving it to that run" >&2; exit 0 ;;
  *) echo "wx2post-daily: wx2post exited $status; nothing committed (see $log)" >&2; exit "$status" ;;
esac

# wx2post writes posts and images only under the site; its record (.wx2post/) is
# what lets tomorrow's run skip today's articles, so it is committed too.
exclude=()
case $log in /*) ;; *) exclude=(":(exclude)$log") ;; esac
git add -A -- . "${exclude[@]}"
if git diff --cached --quiet; then
  echo "wx2post-daily: nothing new"
else
  count=$(git -c core.quotePath=false diff --cached --name-only --diff-filter=A -- '_posts' 'content' 'source/_posts' | grep -c '\.md$')
  git commit -q -m "wx2post: ${count} new post(s) from ${subscriptions##*/}" || exit 1
  echo "wx2post-daily: committed ${count} new post(s)"
fi

if [ "$status" = 4 ]; then
  echo "wx2post-daily: WeChat asked for a verification; the rest is tried on the next run" >&2
  exit 0
fi
exit "$status"
