#!/bin/sh
# man_pages_cover_help.sh MANDIR TOOL...: each TOOL's man page, MANDIR/NAME.1
# as scdoc generated it from man/NAME.1.scd, must mention every long option
# that `TOOL --help` lists. Fails naming each option a page lacks; exits 77
# (CTest: skipped) when MANDIR is empty: scdoc was not there to build pages.
set -u
mandir=$1
shift
if [ -z "$mandir" ]; then
  echo "skipped: scdoc was not found when the build was configured, so no man page was built" \
       "(apt-get install scdoc, or scripts/setup.sh; then cmake again)"
  exit 77
fi
status=0
for tool in "$@"; do
  name=$(basename "$tool")
  page="$mandir/$name.1"
  if [ ! -s "$page" ]; then
    echo "$name: no man page $page (is the target 'man' built?)"
    status=1
    continue
  fi
  # The long options of --help: the first --NAME of each option line, a line
  # indented by 1 to 6 blanks and starting with a dash ("  -x, --NAME",
  # "      --NAME"); prose and wrapped descriptions are indented otherwise.
  options=$("$tool" --help | awk '{
      first = match($0, /[^ ]/)
      if (first >= 2 && first <= 7 && substr($0, first, 1) == "-" && match($0, /--[A-Za-z0-9][A-Za-z0-9-]*/))
        print substr($0, RSTART + 2, RLENGTH - 2) }')
  if [ -z "$options" ]; then
    echo "$name: --help lists no long option"
    status=1
    continue
  fi
  # The page as text: without roff's font changes and escaped hyphens.
  text=$(sed -e 's/\\f[BIRP]//g' -e 's/\\-/-/g' "$page")
  count=0
  for option in $options; do
    count=$((count + 1))
    if ! printf '%s\n' "$text" | grep -Eq -- "(^|[^A-Za-z0-9-])--$option([^A-Za-z0-9-]|\$)"; then
      echo "$name: --$option is in '$name --help' but not in its man page (man/$name.1.scd)"
      status=1
    fi
  done
  echo "$name: $count long options in --help, checked against $page"
done
exit $status
