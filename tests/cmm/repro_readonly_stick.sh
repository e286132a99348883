#!/bin/sh
# Review repro (not part of the suite): `intake receive` from a write-protected stick with no receipts folder.
# Needs root and `unshare -m` (a private mount namespace; nothing outside it is touched).
# Expected: packets received, receipts reported unwritten. Actual: OSError [Errno 30] escapes, traceback,
# nothing received.
set -e
cd "$(dirname "$0")/../.."
PY=${PY:-/work/main/.venv/bin/python}
exec unshare -m sh -c '
set -e
work=$(mktemp -d)
mkdir "$work/stick"
mount -t tmpfs -o size=4m tmpfs "$work/stick"
PYTHONPATH=. FIELDAPP_KDF_MIB=64 '"$PY"' - "$work" <<PYEOF
import sys
from pathlib import Path
from fieldapp.cmm import intake, store
from fieldapp.protocol import crypto
from tests.referral.helpers import cmm_secret
from tests.referral.test_intake_bad_input import ORG_SEED, sealed, valid_packet
work = Path(sys.argv[1])
conn = store.create(work / "intake.store", "a passphrase for the repro")
intake.register(conn, crypto.org_key_file(ORG_SEED, "Test NGO"))
store.close(conn)
(work / "intake.secret").write_bytes(crypto.secret_key_file(cmm_secret(), "a passphrase for the repro"))
(work / "stick" / "a.cmmpkt").write_bytes(sealed(valid_packet(), cmm_secret()))
PYEOF
mount -o remount,ro "$work/stick"
echo "a passphrase for the repro" | PYTHONPATH=. FIELDAPP_KDF_MIB=64 '"$PY"' -m fieldapp intake receive \
  --store "$work/intake.store" --key "$work/intake.secret" --from "$work/stick" || rc=$?
echo "exit code: ${rc:-0}"
umount "$work/stick"; rm -rf "$work"
'
