# The Debian 12 packages influmap needs to build, render and test.
# Sourced by scripts/quickstart.sh and .ci/run; one list, so they agree.
INFLUMAP_PACKAGES=(
  build-essential cmake pkg-config
  libcairo2-dev libpango1.0-dev fonts-noto-core
  libproj-dev proj-data proj-bin
  libshp-dev libfyaml-dev libjansson-dev libyajl-dev libcsv-dev librsvg2-dev
  libcmocka-dev poppler-utils
  libpng-dev ghostscript
  python3 file locales parallel
  slurm-wlm munge
  gdal-bin python3-gdal python3-numpy
  clang libclang-rt-14-dev clang-format valgrind
)

install_deps() {
  local missing=()
  for p in "${INFLUMAP_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if [ ${#missing[@]} -eq 0 ]; then
    return 0
  fi
  local sudo=()
  [ "$(id -u)" -eq 0 ] || sudo=(sudo)
  echo "influmap: installing ${missing[*]}"
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
}
