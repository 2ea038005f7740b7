"""Start kwalletd5 the way pam_kwallet5 does at login, with no dialog.

    kwallet_login.py PASSWORD

The wallet key (PBKDF2-SHA512 of the password over the wallet's 56-byte
salt, 50000 rounds, 64 bytes) goes down a pipe, the environment over a
listening unix socket; kwalletd5 then opens (or creates) the default
wallet.  A wrong password leaves it closed.  Prints kwalletd5's pid.
Uses $XDG_DATA_HOME and $XDG_RUNTIME_DIR; the caller sets up the bus.
"""
import hashlib
import os
import socket
import subprocess
import sys

password = sys.argv[1].encode()
wdir = os.path.join(os.environ["XDG_DATA_HOME"], "kwalletd")
os.makedirs(wdir, exist_ok=True)
salt_file = os.path.join(wdir, "kdewallet.salt")
if not os.path.exists(salt_file):
    with open(salt_file, "wb") as f:
        f.write(os.urandom(56))
with open(salt_file, "rb") as f:
    salt = f.read()
key = hashlib.pbkdf2_hmac("sha512", password, salt, 50000, 64)

sock_path = os.path.join(os.environ["XDG_RUNTIME_DIR"], "kwallet5-login.socket")
if os.path.exists(sock_path):
    os.unlink(sock_path)
listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
listener.bind(sock_path)
listener.listen(1)
rfd, wfd = os.pipe()
proc = subprocess.Popen(
    ["kwalletd5", "--pam-login", str(rfd), str(listener.fileno())],
    env=dict(os.environ, PAM_KWALLET5_LOGIN=sock_path),
    pass_fds=(rfd, listener.fileno()), stdin=subprocess.DEVNULL,
    start_new_session=True)
os.close(rfd)
listener.close()
os.write(wfd, key)
os.close(wfd)
conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
conn.connect(sock_path)
conn.sendall("".join("%s=%s\n" % kv for kv in os.environ.items()
                     if "\n" not in kv[1]).encode())
conn.close()
print(proc.pid)
