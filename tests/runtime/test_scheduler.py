"""runtime.scheduler on the tiny exports: results as translate_detailed's under concurrency,
rows joining and leaving between steps, streams, cancellation, deadlines, limits, errors,
closing. Timing is never asserted: what a step ran is recorded through on_step and gates."""

import asyncio
import concurrent.futures
import threading

import numpy as np
import pytest

from runtime import (DeadlineExceeded, Decoding, InputError, Overloaded, Scheduler,
                     SchedulerClosed, StepFailed, Translator)
from tests.conftest import word_pairs

TEXTS = [source for source, _ in word_pairs(60)] + ["the zebra .", "", "cat"]
OPTIONS = [(Decoding(), False), (Decoding(), True), (Decoding("beam", beam_width=3, n_best=2), False),
           (Decoding("beam", beam_width=4, min_length=1, length_penalty=0.6), False),
           (Decoding("sample", seed=7, top_k=5), False), (Decoding("sample", temperature=0.7, seed=1), True)]


def jobs():
    """(text, decoding, scores) covering every strategy, in an interleaved order."""
    return [(text, *OPTIONS[i % len(OPTIONS)]) for i, text in enumerate(TEXTS)]


def run_concurrently(scheduler, work, threads=16, **options):
    with concurrent.futures.ThreadPoolExecutor(threads) as pool:
        return list(pool.map(lambda job: scheduler.translate_detailed(
            job[0], decoding=job[1], scores=job[2], **options), work))


def expected(translator, work, **options):
    return [translator.translate_detailed([text], decoding=decoding, scores=scores, **options)[0]
            for text, decoding, scores in work]


@pytest.fixture(scope="module")
def translators(exports, speed_ups):
    found = {name: Translator.load(exports[name][0]) for name in ("word", "word-luong", "char")}
    found["shortlist"] = Translator.load(speed_ups["shortlist"])
    return found


@pytest.mark.parametrize("name", ["word", "char"])
def test_results_equal_translate_detailed_under_concurrency(translators, name):
    translator = translators[name]
    steps = []
    with Scheduler(translator, max_rows=24, on_step=steps.append) as scheduler:
        work = jobs() * 2
        assert run_concurrently(scheduler, work) == expected(translator, work)
        assert scheduler.rows == 0 and scheduler.queued == 0
    assert max(steps) > 1 and max(steps) <= 24  # requests shared steps, within max_rows


@pytest.mark.parametrize("name", ["word-luong", "shortlist"])
def test_attention_and_shortlist_results_equal_translate_detailed(translators, name):
    """Rows of different input lengths share the padded encoder outputs (attention), and a
    shortlist's candidates are the union over the batch: the outputs are identical, the
    scores equal to float32 rounding (their softmax sums run over a batch-dependent width,
    as between batches of translate_detailed)."""
    translator = translators[name]
    work = jobs() * 2
    with Scheduler(translator, max_rows=32) as scheduler:
        got = run_concurrently(scheduler, work, attention=True)
    for mine, theirs in zip(got, expected(translator, work, attention=True)):
        assert (mine.text, mine.tokens, mine.ended) == (theirs.text, theirs.tokens, theirs.ended)
        assert [c.text for c in mine.n_best] == [c.text for c in theirs.n_best]
        if theirs.score is not None:
            assert mine.score == pytest.approx(theirs.score, rel=1e-5, abs=1e-6)
        np.testing.assert_allclose(mine.attention, theirs.attention, atol=1e-5)


class Gate:
    """Wraps a lane's decoder step so a test decides when each step may run."""

    def __init__(self, scheduler, lane="greedy"):
        self.lane = scheduler._lanes[lane]
        self.entered, self.allowed = threading.Semaphore(0), threading.Semaphore(0)
        real = self.lane.backend.step

        def step(*args):
            self.entered.release()
            assert self.allowed.acquire(timeout=30), "the test never opened the gate"
            return real(*args)

        self.lane.backend = self.lane.backend._replace(step=step)

    def next_step(self):
        """Wait until a step is about to run, then let it run."""
        assert self.entered.acquire(timeout=30), "no step came"
        self.allowed.release()

    def open(self):
        for _ in range(1000):
            self.allowed.release()


def test_a_request_joins_between_steps_and_leaves_when_done(translators):
    translator = translators["word-luong"]
    steps = []
    with Scheduler(translator, on_step=steps.append) as scheduler:
        gate = Gate(scheduler)
        first = scheduler.submit("the big red cat sees the small blue dog .", max_length=6)
        gate.next_step()  # step 1: the first request alone
        second = scheduler.submit("a cat .", max_length=6)
        gate.open()
        assert first.result() == translator.translate_detailed(
            ["the big red cat sees the small blue dog ."], max_length=6)[0]
        assert second.result().text == translator.translate("a cat .", max_length=6)
    assert steps[0] == 1 and steps[1] == 2  # joined right after the first step


def test_a_lone_request_runs_without_waiting_for_company(translators):
    steps = []
    with Scheduler(translators["word-luong"], on_step=steps.append) as scheduler:
        scheduler.translate("the cat .")
    assert steps and set(steps) == {1}


def test_streams_give_the_tokens_then_the_translation(translators):
    translator = translators["word-luong"]
    with Scheduler(translator) as scheduler:
        for decoding in (Decoding(), Decoding("sample", seed=3), Decoding("beam", beam_width=3)):
            stream = scheduler.stream("the big cat sees a dog .", decoding=decoding)
            tokens = list(stream)
            assert tuple(tokens) == stream.translation.tokens
            assert stream.translation == translator.translate_detailed(
                ["the big cat sees a dog ."], decoding=decoding)[0]

        async def consume():
            stream = scheduler.astream("a red dog .")
            return [token async for token in stream], stream.translation

        tokens, translation = asyncio.run(consume())
        assert tuple(tokens) == translation.tokens and translation.text == translator.translate("a red dog .")


def test_translate_async_equals_blocking(translators):
    translator = translators["word"]

    async def many():
        return await asyncio.gather(*(scheduler.translate_async(t) for t in TEXTS))

    with Scheduler(translator) as scheduler:
        assert [r.text for r in asyncio.run(many())] == translator.translate_batch(TEXTS)


def test_cancelled_and_timed_out_requests_leave_the_batch(translators):
    translator, text = translators["word-luong"], "the cat sees the dog ."
    assert len(translator.translate_detailed([text])[0].tokens) > 1  # runs more than 1 step
    with Scheduler(translator, max_rows=2) as scheduler:
        gate = Gate(scheduler)
        doomed = scheduler.submit(text)
        late = scheduler.submit(text, timeout=0.05)
        queued_late = scheduler.submit(text, timeout=0.05)  # max_rows 2: waits in the queue
        waiting = scheduler.submit("the red cat .")
        assert gate.entered.acquire(timeout=30)  # step 1 is about to run; hold it
        assert doomed.cancel()
        threading.Event().wait(0.1)  # the deadlines pass during step 1
        gate.open()
        with pytest.raises(concurrent.futures.CancelledError):
            doomed.result()
        for request in (late, queued_late):
            with pytest.raises(DeadlineExceeded, match="timeout"):
                request.result()
        assert waiting.result().text == translator.translate("the red cat .")
        assert scheduler.rows == 0 and scheduler.queued == 0


def test_cancelling_an_awaiting_task_cancels_its_request(translators):
    with Scheduler(translators["word-luong"]) as scheduler:
        gate = Gate(scheduler)

        async def cancel_one():
            task = asyncio.ensure_future(scheduler.translate_async("the cat .", max_length=5))
            await asyncio.sleep(0)
            gate.next_step()
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task

        asyncio.run(cancel_one())
        gate.open()
        assert scheduler.translate("a dog .") == translators["word-luong"].translate("a dog .")
        assert scheduler.rows == 0


def test_a_full_queue_refuses_at_once_with_overloaded(translators):
    with Scheduler(translators["word-luong"], max_rows=1, max_queue=2) as scheduler:
        gate = Gate(scheduler)
        running = scheduler.submit("the cat .", max_length=3)
        gate.next_step()  # running holds the only row; the next two wait in the queue
        queued = [scheduler.submit("a dog .", max_length=3) for _ in range(2)]
        with pytest.raises(Overloaded, match="2 requests are waiting"):
            scheduler.submit("a cat .")
        gate.open()
        assert all(r.result() is not None for r in [running, *queued])
    with pytest.raises(ValueError, match="max_rows 1"):
        Scheduler(translators["word"], max_rows=1).submit("a", decoding=Decoding("beam", beam_width=2))


def test_a_failing_step_fails_its_requests_and_the_loop_goes_on(translators):
    translator = translators["word-luong"]
    with Scheduler(translator) as scheduler:
        lane = scheduler._lanes["greedy"]
        real, calls = lane.backend.step, []

        def failing_once(*args):
            calls.append(1)
            if len(calls) == 1:
                raise RuntimeError("simulated onnxruntime failure")
            return real(*args)

        lane.backend = lane.backend._replace(step=failing_once)
        with pytest.raises(StepFailed, match="simulated onnxruntime failure"):
            scheduler.translate("the cat .")
        assert scheduler.rows == 0
        assert scheduler.translate("the cat .") == translator.translate("the cat .")


def test_bad_input_raises_in_the_caller(exports):
    translator = Translator.load(exports["word"][0], unknown="error")
    with Scheduler(translator) as scheduler:
        with pytest.raises(TypeError, match="text must be str"):
            scheduler.submit(b"bytes")
        with pytest.raises(InputError, match="zebra"):
            scheduler.submit("the zebra .")
        with pytest.raises(ValueError, match="max_length"):
            scheduler.submit("the cat .", max_length=0)
        with pytest.raises(ValueError, match="timeout"):
            scheduler.submit("the cat .", timeout=-1)
        assert scheduler.translate("   ") == ""
        assert scheduler.rows == 0 and scheduler.queued == 0


def test_close_drains_or_cancels(translators):
    translator = translators["word-luong"]
    scheduler = Scheduler(translator)
    gate = Gate(scheduler)
    drained = [scheduler.submit(t, max_length=4) for t in TEXTS[:5]]
    gate.open()
    scheduler.close(drain=True)
    assert [r.result().text for r in drained] == [translator.translate(t, max_length=4)
                                                  for t in TEXTS[:5]]
    with pytest.raises(SchedulerClosed):
        scheduler.submit("the cat .")

    scheduler = Scheduler(translator, max_rows=1)
    gate = Gate(scheduler)
    dropped = [scheduler.submit(t, max_length=4) for t in TEXTS[:5]]
    gate.next_step()  # the first request runs; the others wait in the queue
    closing = threading.Thread(target=scheduler.close, kwargs={"drain": False})
    closing.start()
    gate.open()
    closing.join(30)
    assert not closing.is_alive() and scheduler.rows == 0
    for request in dropped[1:]:
        with pytest.raises(SchedulerClosed, match="closed before this request finished"):
            request.result()


def test_on_token_gets_each_token_as_produced(translators):
    translator, tokens = translators["word-luong"], []
    with Scheduler(translator) as scheduler:
        result = scheduler.submit("the big cat sees a dog .", on_token=tokens.append).result()
        assert tuple(tokens) == result.tokens  # all came before the result
        beam = []
        result = scheduler.submit("a dog .", decoding=Decoding("beam", beam_width=2),
                                  on_token=beam.append).result()
        assert beam == [] and result.tokens  # beam search knows its output only at the end


def test_a_blocking_caller_runs_the_idle_loop_itself(translators):
    """No hand-off to the loop thread and back for a lone blocking request; an asyncio
    request (which must not block its event loop) is decoded by the loop thread."""
    threads = []
    with Scheduler(translators["word-luong"],
                   on_step=lambda rows: threads.append(threading.get_ident())) as scheduler:
        scheduler.translate("the cat .")
        assert set(threads) == {threading.get_ident()}
        threads.clear()
        asyncio.run(scheduler.translate_async("the cat ."))
        assert threads and threading.get_ident() not in threads
