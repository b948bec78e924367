"""The request bodies, as pydantic models: strict types (5 is not a string, "5" is not a
number, true is not 1) and no unknown fields, so a mistake is refused with its name
instead of being coerced or ignored. Ranges and combinations of the decoding options are
left to runtime.Decoding, whose messages the client then sees (422).
"""

import dataclasses

from pydantic import BaseModel, ConfigDict, Field, model_validator

from runtime import Decoding

# The body's decoding options: runtime.Decoding's fields, by the same names.
DECODING_OPTIONS = tuple(field.name for field in dataclasses.fields(Decoding))


class Options(BaseModel):
    """How to translate; every field may be left out (default: greedy, the export's
    max_length, no scores)."""
    model_config = ConfigDict(extra="forbid", strict=True)

    max_length: int | None = Field(None, description="most output tokens (default: the "
                                   "export's longest target; at most --max-output-tokens)")
    scores: bool = Field(False, description="add log-probabilities to greedy output "
                         "(beam search and sampling always have them)")
    strategy: str | None = Field(None, description='"greedy" (default), "beam" or "sample"')
    beam_width: int | None = Field(None, description="beam: hypotheses kept per step (5)")
    n_best: int | None = Field(None, description="beam: outputs returned, <= beam_width (1)")
    length_penalty: float | None = Field(None, description="beam: GNMT alpha, 0 to 10 (0)")
    min_length: int | None = Field(None, description="beam, sample: no <end> before this")
    temperature: float | None = Field(None, description="sample: > 0 (1)")
    top_k: int | None = Field(None, description="sample: from the k likeliest (0 = all)")
    top_p: float | None = Field(None, description="sample: nucleus, in (0, 1] (1)")
    seed: int | None = Field(None, description="sample: same seed and text, same output")

    def decoding(self):
        """-> runtime.Decoding of the options given, or None (greedy); ValueError with
        Decoding's message for a bad value or combination."""
        given = {name: getattr(self, name) for name in DECODING_OPTIONS
                 if getattr(self, name) is not None}
        return Decoding(**given) if given else None


class TranslateRequest(Options):
    """{"text": "..."} answers with one record, {"texts": [...]} with a list of them."""
    text: str | None = Field(None, description="one text to translate")
    texts: list[str] | None = Field(None, description="several texts, translated "
                                    "concurrently; answered in the same order")

    @model_validator(mode="after")
    def _one_of_text_and_texts(self):
        if (self.text is None) == (self.texts is None):
            given = "both" if self.text is not None else "neither"
            raise ValueError(f'give exactly one of "text" or "texts", got {given}')
        return self

    def all_texts(self):
        return [self.text] if self.text is not None else list(self.texts)


class StreamRequest(Options):
    """One text; the answer is a stream of its output tokens, then its record."""
    text: str = Field(description="the text to translate")

    def all_texts(self):
        return [self.text]
