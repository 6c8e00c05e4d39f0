# Sourced by the bench scripts: the Python installations Reprise is compared with. Sets PYTHONS to
# "label=interpreter" for each that imports the modules given ("mne sklearn"): the current MNE and
# scikit-learn from PyPI in a virtual environment (VENV, default bench/target/venv, made if missing)
# and Debian's (/usr/bin/python3 with python3-mne and python3-sklearn). MAKE_PY is the first.
python_envs() {
  local venv=${VENV:-bench/target/venv} modules
  modules=$(echo "$@" | tr ' ' ',')
  if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv" && "$venv/bin/pip" install -q mne scikit-learn
  fi
  PYTHONS=()
  for py in "pypi=$venv/bin/python" "debian=/usr/bin/python3"; do
    if "${py#*=}" -c "import $modules" 2>/dev/null; then PYTHONS+=("$py"); fi
  done
  if [ ${#PYTHONS[@]} -eq 0 ]; then
    echo "no Python with $modules" >&2
    exit 1
  fi
  MAKE_PY=${PYTHONS[0]#*=}
}
