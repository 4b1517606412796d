"""Schemathesis hooks for scripts/schemathesis.sh (loaded by `hooks` in scripts/schemathesis.toml).

Three operations have rules across fields that JSON Schema cannot state, so
`positive_data_acceptance` lets a schema-valid request of theirs get a 400. The check
`cross_field_rules` takes that allowance back except for the rule itself: a 400 to a
schema-valid request of createStory, generateVideo or updateBoard passes only when the
request really breaks that rule and the error (api.md's shape) names the field and message the
service answers for it. A server that refused every story, video or board change would fail.
Why each rule exists: docs/reliability.md ("Hostile input").
"""

import re

import schemathesis
from schemathesis.specs.openapi.checks import is_unexpected_http_status_case

# shared/src/domain/prompt.rs MAX_PROMPT_CHARS: the longest prompt the model is sent.
MAX_PROMPT_CHARS = 2000
# shared/src/domain/story.rs: at most 160 characters a caption, and story_prompt's fixed text
# ("A visual story told in N sequential images, ... Story: ." is 152 characters) with room.
MAX_CAPTION_CHARS = 160
STORY_PREAMBLE_MAX = 200
# " Image 8: <caption>." around each caption.
STORY_SCENE_OVERHEAD = len(" Image 8: .")

STORY_TOO_LONG = re.compile(
    r"the story of (\d+) frames would be (\d+) characters for the model; "
    r"the maximum is (\d+): shorten the prompt"
)


def story_rule(body, error):
    """createStory: the prompt told with its numbered scenes exceeds what the model takes."""
    prompt, frames = body.get("prompt"), body.get("frames")
    if not isinstance(prompt, str) or not isinstance(frames, (int, float)):
        return "the request has no prompt and frames to break it"
    frames = int(frames)
    m = STORY_TOO_LONG.fullmatch(error.get("message", ""))
    if error.get("field") != "prompt" or not m:
        return "the error is not the story-length rule (400 `prompt`, \"the story of N frames would be ...\")"
    told_frames, told, maximum = (int(g) for g in m.groups())
    if told_frames != frames or maximum != MAX_PROMPT_CHARS or told <= maximum:
        return f"the error's figures ({told_frames} frames, {told} of {maximum} characters) do not fit the request ({frames} frames)"
    # The told prompt is the preamble, the prompt's lines joined with "; " (one more
    # character per line break at most) and one caption of at most 160 characters a frame.
    bound = STORY_PREAMBLE_MAX + len(prompt) + prompt.count("\n") + frames * (MAX_CAPTION_CHARS + STORY_SCENE_OVERHEAD)
    if told > bound:
        return f"a prompt of {len(prompt)} characters told as {frames} frames is at most {bound} characters, not {told}"
    return None


def video_rule(body, error):
    """generateVideo: an image named twice across start frame, end frame and references."""
    listed = []
    for field in ("start_frame_asset_id", "end_frame_asset_id"):
        if isinstance(body.get(field), str):
            listed.append((field, body[field]))
    refs = body.get("reference_asset_ids")
    for i, ref in enumerate(refs if isinstance(refs, list) else []):
        listed.append((f"reference_asset_ids[{i}]", ref))
    seen = set()
    first_repeat = None
    for field, asset_id in listed:
        if asset_id in seen:
            first_repeat = field
            break
        seen.add(asset_id)
    if first_repeat is None:
        return "the request names every image once"
    if error.get("field") != first_repeat or error.get("message") != "the same image is listed twice":
        return f"the request names an image twice first at `{first_repeat}`, and the error should say so"
    return None


def board_rule(body, error):
    """updateBoard: a tile id used twice, or a tile linked from itself (the first one, in order)."""
    tiles = body.get("tiles")
    expected = None
    seen = set()
    for i, tile in enumerate(tiles if isinstance(tiles, list) else []):
        if not isinstance(tile, dict):
            continue
        tile_id = tile.get("id")
        if tile_id in seen:
            expected = (f"tiles[{i}].id", f'tile id "{tile_id}" is used twice')
            break
        seen.add(tile_id)
        if tile.get("linked_from") is not None and tile.get("linked_from") == tile_id:
            expected = (f"tiles[{i}].linked_from", "a tile cannot be linked from itself")
            break
    if expected is None:
        return "every tile id is used once and no tile is linked from itself"
    if (error.get("field"), error.get("message")) != expected:
        return f"the request breaks the rule first at `{expected[0]}` ({expected[1]!r}), and the error should say so"
    return None


RULES = {
    "createStory": story_rule,
    "generateVideo": video_rule,
    "updateBoard": board_rule,
}


@schemathesis.check
def cross_field_rules(ctx, response, case):
    """A schema-valid request of an operation with a cross-field rule gets a 400 only for that rule."""
    if response.status_code != 400 or case.meta is None or is_unexpected_http_status_case(case):
        return None
    if not case.meta.generation.mode.is_positive:
        return None
    rule = RULES.get(case.operation.definition.raw.get("operationId"))
    if rule is None:
        return None
    try:
        error = response.json().get("error")
    except Exception:  # not JSON, or not an object: no api.md error at all
        error = None
    if not isinstance(error, dict) or error.get("code") != "validation_error":
        raise AssertionError("A schema-valid request was refused with 400 without an api.md validation_error")
    body = case.body if isinstance(case.body, dict) else {}
    why = rule(body, error)
    if why is not None:
        raise AssertionError(
            f"A schema-valid request was refused with 400 (field {error.get('field')!r}: "
            f"{error.get('message')!r}), which only its cross-field rule may do: {why}"
        )
    return None
