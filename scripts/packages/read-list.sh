# Sourced by the installers: prints the packages of a list in scripts/packages/ (one per
# line, `#` comments), the same format src/build/apt-list.ts reads for offload and the tests.
read_package_list() {
  sed -e 's/#.*//' "$1" | tr -s ' \t' '\n\n' | grep -v '^$'
}

# Prints the packages of a list that dpkg does not have installed.
missing_packages() {
  local pkg
  for pkg in $(read_package_list "$1"); do
    dpkg-query -W -f='${Status}\n' "$pkg" 2>/dev/null | grep -q '^install ok installed$' || echo "$pkg"
  done
}
