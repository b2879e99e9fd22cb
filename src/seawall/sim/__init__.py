"""The simulation of AWS deployment semantics: fakes that obey AWS's documentation, on one clock.

The rehearsal API (what ``seawall rehearse`` runs): :func:`rehearse` a named scenario (:data:`SCENARIOS`) or
:func:`generate` seeded ones against a synthesized assembly, starting at :data:`START` unless told otherwise.

Never imports ``aws_cdk``.  Handlers call the fakes through real boto3
clients (:mod:`seawall.sim.botocore_bridge`), so a request AWS would reject
fails here too.  Every behaviour a fake models cites the documentation it
rests on (:class:`Citation`).
"""

from .botocore_bridge import FakeAws, Fault, Unmodelled
from .citations import CITATIONS, Citation, cites
from .clock import START
from .cloudformation import FakeCloudFormation, StackOperationFailed
from .cloudwatch import AlarmTransition, FakeCloudWatch
from .codedeploy import FakeCodeDeploy
from .codepipeline import FakeCodePipeline
from .generated import generate, replay_command, seed_of
from .lambda_service import FakeLambda
from .logs import FakeLogs, python_unhandled_error
from .rehearse import rehearse
from .scenarios import SCENARIOS
from .stepfunctions import FakeStepFunctions, FunctionError
from .synthetics import CanaryRun, FakeHttpApis, FakeSynthetics

__all__ = ["AlarmTransition", "CITATIONS", "Citation", "FakeAws", "FakeCloudFormation", "FakeCloudWatch",
           "FakeCodeDeploy", "FakeCodePipeline", "FakeLambda", "FakeLogs", "FakeStepFunctions", "FunctionError",
           "StackOperationFailed", "Unmodelled", "cites", "CanaryRun", "FakeHttpApis", "FakeSynthetics",
           "python_unhandled_error", "Fault", "START", "SCENARIOS", "rehearse", "generate", "replay_command",
           "seed_of"]
