"""locust-plugins' FtpUser against a real FTP server (pyftpdlib, started by
the test on 127.0.0.1:$FTP_PORT with anonymous write access; `-H 127.0.0.1`
is the FTP host, as with Locust): each user logs in, then uploads a file and
downloads the server's `seed.txt` in turn, into $FTP_LOCAL."""

import os

from locust import constant, task
from locust_plugins.users.ftp import FtpUser

LOCAL = os.environ["FTP_LOCAL"]
PAYLOAD = os.path.join(LOCAL, "payload.txt")


class Transfer(FtpUser):
    wait_time = constant(0.05)

    def on_start(self):
        self.client.connect(port=int(os.environ["FTP_PORT"]), passive_mode=True)

    @task
    def upload(self):
        self.client.upload_file(PAYLOAD)

    @task
    def download(self):
        self.client.download_file("seed.txt", LOCAL)

    def on_stop(self):
        self.client.disconnect()
