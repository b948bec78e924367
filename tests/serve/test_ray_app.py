"""Ray Serve: a local Ray (2 CPUs, no dashboard, usage stats off), the app deployed as 2
replicas with HTTP on 127.0.0.1; answers over HTTP and through a deployment handle are the
Translator's. Ray and Serve are always shut down afterwards."""

import pickle
import subprocess
import sys

import httpx
import pytest
import ray
from ray import serve as ray_serve

from runtime import Decoding, translation_record
from serve.config import EngineSettings, Limits
from serve.errors import RequestError, TextError
from serve.ray_app import APP_NAME, build_application
from tests.conftest import ROOT
from tests.serve.conftest import free_port
from tests.serve.test_app_errors import parse_events

TEXTS = ["the cat sees a dog .", "big red dog .", "a small blue cat likes the dog .", "",
         "dog !", "the red cat .", "a dog sees the big cat .", "blue !"]


@pytest.fixture(scope="module")
def deployed(export_dir):
    """-> (handle, base URL) of the application on a local Ray, shut down afterwards."""
    port = free_port()
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    try:
        ray_serve.start(http_options={"host": "127.0.0.1", "port": port})
        handle = ray_serve.run(build_application(EngineSettings(str(export_dir)),
                                                 Limits(max_texts=16), replicas=2),
                               name=APP_NAME, route_prefix="/")
        yield handle, f"http://127.0.0.1:{port}"
    finally:
        ray_serve.shutdown()
        ray.shutdown()


def test_two_replicas_answer_over_http_as_the_translator_does(deployed, translator):
    handle, url = deployed
    application = ray_serve.status().applications[APP_NAME]
    assert application.status == "RUNNING"
    assert application.deployments["Translator"].replica_states == {"RUNNING": 2}
    with httpx.Client(base_url=url, timeout=60) as client:
        assert client.get("/ready").status_code == 200
        for text in TEXTS:
            assert client.post("/translate", json={"text": text}).json()["output"] \
                == translator.translate(text)
        many = client.post("/translate", json={"texts": TEXTS}).json()
        stream = parse_events(client.post("/translate/stream",
                                          json={"text": TEXTS[2]}).text)
        refused = client.post("/translate", json={"text": 5})
        assert "seq2seq_http_requests_total" in client.get("/metrics").text
    assert [record["output"] for record in many] == [translator.translate(t) for t in TEXTS]
    assert stream[-1] == ("result", translation_record(
        TEXTS[2], translator.translate_detailed([TEXTS[2]])[0]))
    assert refused.status_code == 422 and "valid string" in refused.json()["error"]


def test_the_deployment_handle_answers_with_the_same_records(deployed, translator):
    handle, _ = deployed
    assert handle.translate.remote(text=TEXTS[0]).result() == translation_record(
        TEXTS[0], translator.translate_detailed([TEXTS[0]])[0])
    records = handle.translate.remote(texts=TEXTS, strategy="beam", beam_width=3).result()
    assert [r["output"] for r in records] == translator.translate_batch(
        TEXTS, decoding=Decoding("beam", beam_width=3))
    with pytest.raises(RequestError, match="too many texts: 17, at most 16"):
        handle.translate.remote(texts=["a"] * 17).result()
    with pytest.raises(RequestError, match="text: Input should be a valid string"):
        handle.translate.remote(text=5).result()
    with pytest.raises(RequestError, match="decoding option beam_width applies"):
        handle.translate.remote(text="a", beam_width=2).result()


def test_refusals_travel_whole():
    error = pickle.loads(pickle.dumps(RequestError(413, "too many texts")))
    assert (error.status, str(error)) == (413, "too many texts")
    refused = pickle.loads(pickle.dumps(TextError(2, ValueError("bad"))))
    assert (refused.index, str(refused)) == (2, "texts[2]: bad")


@pytest.mark.parametrize("arguments, message", [
    (["/no/such/folder"], "error: export folder /no/such/folder does not exist"),
    (["{empty}"], "error: {empty}/manifest.json: missing"),
    (["{empty}", "--replicas", "0"], "error: --replicas must be >= 1, got 0"),
    (["{empty}", "--address", "auto", "--num-cpus", "2"], "error: --num-cpus sizes a local"),
])
def test_the_launcher_refuses_bad_arguments_before_starting_ray(tmp_path, arguments, message):
    arguments = [a.format(empty=tmp_path) for a in arguments]
    done = subprocess.run([sys.executable, "-m", "serve.ray", *arguments], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert done.stderr.startswith(message.format(empty=tmp_path)), done.stderr
    assert "Started a local Ray" not in done.stderr
