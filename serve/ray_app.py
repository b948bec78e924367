"""Ray Serve: the same FastAPI app (serve/app.py) in every replica, each replica with its
own Translator and Scheduler, so that one batch serves all the requests a replica holds.

    from serve.ray_app import build_application
    handle = ray_serve.run(build_application(settings, limits, replicas=2), name="translator")
    handle.translate.remote(text="How are you?").result()     # -> the record, as HTTP
    handle.translate.remote(texts=["Hi.", "Thanks!"], strategy="beam").result()  # -> list

Over HTTP the Serve proxy routes to the replicas (serve.start's http_options say where it
listens). The app is built inside the replica (`__serve_build_asgi_app__`, Ray's late-bound
ingress), after the export is loaded, because it is built around that replica's engine.
"""

from pydantic import ValidationError
from ray import serve as ray_serve

from serve.errors import RequestError, validation_message
from serve.schemas import TranslateRequest
from serve.server import load_app
from serve.translating import translate_request

APP_NAME = "translator"


@ray_serve.deployment(name="Translator")
@ray_serve.ingress()
class TranslatorDeployment:
    def __init__(self, settings, limits, grace_seconds=30.0):
        """settings: serve.config.EngineSettings (its export_dir must exist on every node
        that runs a replica); limits: serve.config.Limits."""
        self.limits = limits
        # Not self.app: Ray's ingress wrapper has a property of that name.
        self.fastapi_app = load_app(settings, limits, grace_seconds)
        self.engine = self.fastapi_app.state.service.engine

    def __serve_build_asgi_app__(self):
        return self.fastapi_app

    async def translate(self, text=None, texts=None, **options):
        """The deployment-handle path: the same fields and answers as POST /translate's
        body (text or texts, decoding options, max_length, scores). Refusals raise
        serve.errors.RequestError (.status: 413, 422) or TextError (422), or runtime's
        errors (Overloaded, DeadlineExceeded, ...)."""
        given = {"text": text, "texts": texts, **options}
        try:
            request = TranslateRequest(**{k: v for k, v in given.items() if v is not None})
        except ValidationError as error:  # as HTTP's 422, and it pickles
            raise RequestError(422, validation_message(error.errors())) from None
        return await translate_request(self.engine, request, self.limits)


def build_application(settings, limits, grace_seconds=30.0, replicas=1,
                      max_ongoing_requests=256):
    """-> a bound Serve application of `replicas` replicas. Each reserves settings.threads
    CPUs (its onnxruntime threads) and takes up to max_ongoing_requests requests at once
    (Ray's default, 5, would starve the batch); SIGTERM'd replicas drain for grace_seconds."""
    deployment = TranslatorDeployment.options(
        num_replicas=replicas, max_ongoing_requests=max_ongoing_requests,
        graceful_shutdown_timeout_s=grace_seconds,
        ray_actor_options={"num_cpus": settings.threads})
    return deployment.bind(settings, limits, grace_seconds)
