import functools
import http.server
import threading
import zipfile

import pytest

from train import sources
from train.errors import DataError
from train.sources import detect_format, download_fra_eng, load_pairs

from train.cornell import SEPARATOR as S


def test_shared_copy_is_the_default(fra_eng):
    assert sources.shared_fra_eng_path() == str(fra_eng.resolve())
    never = ("http://127.0.0.1:9/never-used",)
    assert sources.default_data_path(origins=never) == str(fra_eng.resolve())


def test_detect_format(tmp_path):
    anki = tmp_path / "pairs.txt"
    anki.write_text("Go.\tVa !\n")
    cornell = tmp_path / "lines.txt"
    cornell.write_text(f"L1{S}u0{S}m0{S}A{S}Hi.\n")
    assert detect_format(str(anki)) == "anki"
    assert detect_format(str(cornell)) == "cornell"
    assert detect_format(str(tmp_path / "movie_lines.txt")) == "cornell"


def test_load_pairs_dispatches_and_rejects_unknown_format(tmp_path):
    path = tmp_path / "lines.txt"
    path.write_text(f"L1{S}u0{S}m0{S}A{S}Hi.\nL2{S}u1{S}m0{S}B{S}Hello.\n")
    assert load_pairs(str(path))[0] == [("Hi.", "Hello.")]
    with pytest.raises(DataError, match="data format must be one of"):
        load_pairs(str(path), data_format="csv")


@pytest.fixture
def local_server(tmp_path):
    """Serves tmp_path/www on 127.0.0.1; yields (www folder, base url, request log)."""
    www = tmp_path / "www"
    www.mkdir()
    requests = []

    class Handler(http.server.SimpleHTTPRequestHandler):
        def do_GET(self):
            requests.append(self.path)
            super().do_GET()

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(Handler, directory=str(www)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield www, f"http://127.0.0.1:{server.server_address[1]}", requests
    server.shutdown()
    server.server_close()


def test_download_goes_through_the_keras_cache_once(local_server, tmp_path):
    www, url, requests = local_server
    with zipfile.ZipFile(www / "fra-eng.zip", "w") as archive:
        archive.writestr("_about.txt", "about")
        archive.writestr("fra.txt", "Go.\tVa !\tCC-BY\nHi.\tSalut !\tCC-BY\n")
    cache = tmp_path / "cache"
    path = download_fra_eng(origins=[f"{url}/fra-eng.zip"], cache_dir=str(cache))
    assert path.startswith(str(cache)) and path.endswith("fra-eng.zip")
    assert load_pairs(path)[0] == [("Go.", "Va !"), ("Hi.", "Salut !")]
    again = download_fra_eng(origins=[f"{url}/fra-eng.zip"], cache_dir=str(cache))
    assert again == path and len(requests) == 1  # served from the cache the second time


def test_a_broken_cached_download_is_discarded_and_fetched_again(local_server, tmp_path):
    www, url, requests = local_server
    with zipfile.ZipFile(www / "fra-eng.zip", "w") as archive:
        archive.writestr("fra.txt", "Go.\tVa !\n")
    cached = tmp_path / "cache" / "datasets" / "fra-eng.zip"
    cached.parent.mkdir(parents=True)
    cached.write_bytes((www / "fra-eng.zip").read_bytes()[:30])  # a download killed midway
    origins = [f"{url}/fra-eng.zip", f"{url}/fra-eng.zip"]
    path = download_fra_eng(origins=origins, cache_dir=str(tmp_path / "cache"))
    assert load_pairs(path)[0] == [("Go.", "Va !")]
    assert requests == ["/fra-eng.zip"]


def test_download_falls_back_to_the_mirror(local_server, tmp_path):
    www, url, requests = local_server
    (www / "mirror").mkdir()
    with zipfile.ZipFile(www / "mirror" / "fra-eng.zip", "w") as archive:
        archive.writestr("fra-eng/fra.txt", "Go.\tVa !\n")  # the mirror's two-column layout
    path = download_fra_eng(origins=[f"{url}/refused.zip", f"{url}/mirror/fra-eng.zip"],
                            cache_dir=str(tmp_path / "cache"))
    assert load_pairs(path)[0] == [("Go.", "Va !")]
    assert requests == ["/refused.zip", "/mirror/fra-eng.zip"]


def test_download_failure_is_one_clear_error(local_server, tmp_path):
    _, url, _ = local_server
    with pytest.raises(DataError, match="could not download fra-eng.zip .*a.zip.*b.zip.*--data PATH"):
        download_fra_eng(origins=[f"{url}/a.zip", f"{url}/b.zip"], cache_dir=str(tmp_path / "cache"))
