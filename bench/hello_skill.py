"""The baseline: the smallest ask-sdk-core skill, written the way the SDK's documentation shows.

Shaped like skill/lambda_function.py on purpose (build the skill at import, expose
``lambda_handler``), so the cold-start bench times both as "import the module, call the
handler once", and the in-process bench calls both handlers the same way.
"""

from ask_sdk_core.dispatch_components import AbstractRequestHandler
from ask_sdk_core.skill_builder import SkillBuilder


class HelloHandler(AbstractRequestHandler):
    def can_handle(self, handler_input):
        return True

    def handle(self, handler_input):
        return handler_input.response_builder.speak("Hello.").set_should_end_session(True).response


_builder = SkillBuilder()
_builder.add_request_handler(HelloHandler())
lambda_handler = _builder.lambda_handler()


# A stricter baseline for the in-process bench only: the SDK's lambda_handler() above builds a
# new CustomSkill (and its configuration) on every call, which our skill does not. This one
# builds the skill once and then does exactly what that wrapper does per request.
import json  # noqa: E402

from ask_sdk_model import RequestEnvelope  # noqa: E402

_skill = _builder.create()


def prebuilt_lambda_handler(event, context):
    envelope = _skill.serializer.deserialize(payload=json.dumps(event), obj_type=RequestEnvelope)
    return _skill.serializer.serialize(_skill.invoke(request_envelope=envelope, context=context))
