"""Pipelines as code with inheritance: a team class once, a subclass per microservice.

::

    class PaymentsTeam(TeamPipelineStack):          # once per team
        team = "payments"
        services = ("orders", "catalog")
        plan = WavePlan.standard(commercial_regions(), cells=3)
        window = TimeWindow.business_hours(time_zone="Europe/Berlin")
        alarms = AlarmPolicy(max_fault_rate=0.005)
        source = Source(repository="example-org/payments", connection_arn="arn:aws:codeconnections:...")

    class OrdersPipeline(PaymentsTeam):             # once per microservice
        service = "orders"

        def create_service(self, stage, target):
            OrdersStack(stage, "Api", team=self.team)   # alarms: the team's, through the stage

    app = App()
    PaymentsTeam.foundation(app, env=PIPELINE_ENV)   # the team's runtime in every region, first
    OrdersPipeline(app, "OrdersPipeline", env=PIPELINE_ENV)

The team class sets regions and waves (the plan), bake times (in the plan),
the time window and alarm thresholds once; a service class adds only its
stacks.  Everything is read through overridable methods (``make_plan``,
``synth_step``, ``pre_production_tests``, ``configure``) so a team or a
service can change one thing without copying the rest.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

import aws_cdk as cdk
from aws_cdk import pipelines
from constructs import Construct

from ..constructs.wave_pipeline import EntryAlarm, ServiceStage, WavePipeline
from ..model import AlarmPolicy, Target, WavePlan
from ..model._validate import require_items, require_unique
from ..model.naming import check_service, check_team, pipeline_stack_name

if TYPE_CHECKING:  # pragma: no cover
    from ..model.window import TimeWindow


@dataclass(frozen=True, kw_only=True)
class Source:
    """Where the pipeline's source comes from: a repository through a CodeConnections connection.

    Parameters
    ----------
    repository:
        ``owner/name`` of the repository.
    connection_arn:
        ARN of an AWS CodeConnections (CodeStar Connections) connection that
        can read it.
    branch:
        Default ``main``.
    app_directory:
        Folder of the CDK app (its ``cdk.json``) inside the repository.
        Default: the repository root.
    install_commands:
        Commands run before ``cdk synth``.  Default: install
        ``requirements.txt`` and the pinned CDK CLI with ``npm ci``.
    """

    repository: str
    connection_arn: str
    branch: str = "main"
    app_directory: str = "."
    install_commands: tuple[str, ...] = ("pip install -r requirements.txt", "npm ci")

    def __post_init__(self) -> None:
        if not isinstance(self.repository, str) or self.repository.count("/") != 1:
            raise ValueError(f"repository={self.repository!r} must be 'owner/name'")
        if not isinstance(self.connection_arn, str) or not self.connection_arn.startswith("arn:"):
            raise ValueError(
                f"connection_arn={self.connection_arn!r} must be the ARN of a CodeConnections connection "
                f"(arn:aws:codeconnections:<region>:<account>:connection/<id>)"
            )

    def synth_step(self) -> pipelines.ShellStep:
        source = pipelines.CodePipelineSource.connection(self.repository, self.branch,
                                                         connection_arn=self.connection_arn)
        app_dir = self.app_directory.strip("/") or "."
        cd = [] if app_dir == "." else [f"cd {app_dir}"]
        return pipelines.ShellStep(
            "Synth",
            input=source,
            commands=[*cd, *self.install_commands, "npx cdk synth"],
            primary_output_directory="cdk.out" if app_dir == "." else f"{app_dir}/cdk.out",
        )


_TEAM_SETTINGS = ("team", "plan", "window", "source")


class TeamPipelineStack(cdk.Stack):
    """Base class of a team's pipelines: one stack with one pipeline per microservice.

    Team settings (class attributes, set once in the team's subclass)
    ------------------------------------------------------------------
    team:
        Team name (lower-case, used in alarm and state machine names).
    services:
        The services the team's aggregate alarm covers in every region (their
        high-severity composites).  CloudWatch rejects a composite naming an
        alarm that does not exist yet: add a new service here only after its
        pipeline has deployed it everywhere, and remove it before deleting its
        stacks.  Default: none (the aggregate never alarms).
    canaries:
        Services whose stacks carry a ``MonitoringCanary``; their canary
        alarms join the aggregate too (same rule as `services`).  Default: none.
    plan:
        The :class:`~seawall.model.WavePlan` (regions, waves, cells, bakes).
        Or override :meth:`make_plan`.
    window:
        The team's :class:`~seawall.model.window.TimeWindow`; every production
        gate waits for it.
    alarms:
        Alarm thresholds the services use for their high-severity and one-box
        alarms.  Default: ``AlarmPolicy()``.
    blocking_alarms:
        Organisation-wide alarm names every gate and bake also checks.
    entry_alarms:
        At most five alarms for a ``BeforeEntry`` condition of every
        production stage (fails the stage instead of waiting).
    source:
        Where the code comes from (:class:`Source`); or override :meth:`synth_step`.
    use_change_sets:
        Default ``False`` (one deploy action per stack; see :class:`WavePipeline`).

    Every :class:`ServiceStage` gets the team's `alarms` (``stage.alarms``): a
    ``SafeLambdaDeployment`` there given no ``alarms=`` uses them.

    The stack's name defaults to :func:`~seawall.model.naming.pipeline_stack_name`
    (``{team}-{service}-pipeline``), and the service stacks are named
    ``{team}-{service}-{target}-{stack id}``: two teams with a service of the same
    name can share an account.  Pass ``stack_name=`` to keep an older name.

    Service settings (each microservice's subclass)
    -----------------------------------------------
    service:
        The service's name.
    create_service(stage, target):
        Add the service's stacks to `stage` (one :class:`ServiceStage` per target).
    """

    team: ClassVar[str]
    services: ClassVar[tuple[str, ...]] = ()
    canaries: ClassVar[tuple[str, ...]] = ()
    plan: ClassVar[WavePlan]
    window: ClassVar[TimeWindow]
    alarms: ClassVar[AlarmPolicy] = AlarmPolicy()
    blocking_alarms: ClassVar[tuple[str, ...]] = ()
    entry_alarms: ClassVar[tuple[EntryAlarm | str, ...]] = ()
    source: ClassVar[Source]
    use_change_sets: ClassVar[bool] = False
    service: ClassVar[str]

    def __init__(self, scope: Construct, construct_id: str, *, env: cdk.Environment, **kwargs: Any) -> None:
        self._check_class()
        kwargs.setdefault("stack_name", pipeline_stack_name(self.team, self.service))
        super().__init__(scope, construct_id, env=env, **kwargs)
        self.pipeline = WavePipeline(
            self, "Pipeline",
            plan=self.make_plan(),
            team=self.team,
            service=self.service,
            synth=self.synth_step(),
            create_service=self.create_service,
            window=self.window,
            tests=self.pre_production_tests,
            blocking_alarms=self.blocking_alarms,
            entry_alarms=self.entry_alarms,
            use_change_sets=self.use_change_sets,
            alarms=self.alarms,
        )
        self.configure(self.pipeline)
        self.pipeline.build()

    @classmethod
    def _check_class(cls) -> None:
        missing = [name for name in (*_TEAM_SETTINGS, "service") if not hasattr(cls, name)]
        if missing:
            raise TypeError(
                f"{cls.__name__} does not set {', '.join(missing)}; the team's subclass of TeamPipelineStack sets "
                f"team, plan, window and source once, and each service's subclass sets service and overrides "
                f"create_service()"
            )
        check_team(cls.team)
        check_service(cls.service)
        # Read by the foundation as lists: a string here would be taken as its characters (services 'a', 'p', 'i').
        for attribute, what, example in (("services", "service", "('orders', 'catalog')"),
                                         ("canaries", "service", "('orders',)"),
                                         ("blocking_alarms", "alarm", "('org-wide-incident',)")):
            parameter = f"{cls.__name__}.{attribute}"
            values = require_items(getattr(cls, attribute), parameter, example)
            require_unique(values, parameter, what)
            if what == "service":
                for name in values:
                    check_service(name)
        if cls.create_service is TeamPipelineStack.create_service:
            raise TypeError(f"{cls.__name__} does not override create_service(stage, target); add the service's "
                            f"stacks there")

    # ------------------------------------------------------------------ hooks

    def make_plan(self) -> WavePlan:
        """The wave plan.  Default: the class attribute ``plan``."""
        return self.plan

    def synth_step(self) -> pipelines.IFileSetProducer:
        """The step that synthesizes the app.  Default: from the class attribute ``source``."""
        return self.source.synth_step()

    def create_service(self, stage: ServiceStage, target: Target) -> None:
        """Add the service's stacks to `stage`.  Every service class overrides this."""
        raise NotImplementedError

    def pre_production_tests(self, stage: ServiceStage) -> Sequence[pipelines.Step]:
        """Steps run after a pre-production target's shift (alpha/beta tests, zeta integration tests).

        Default: none.
        """
        return ()

    def configure(self, pipeline: WavePipeline) -> None:
        """Last chance to change the pipeline (``add_wave``...) before it is built.  Default: nothing."""

    # ------------------------------------------------------------------ guarded mutation

    def add_wave(self, wave: Any) -> None:
        """Append a production wave; only from :meth:`configure`, before the pipeline is built."""
        self.pipeline.add_wave(wave)

    # ------------------------------------------------------------------ the team's foundation

    @classmethod
    def foundation(cls, scope: Construct, construct_id: str | None = None, *,
                   env: cdk.Environment, **kwargs: Any) -> cdk.Stack:
        """The team's foundation pipeline: its runtime stack in every target region and account.

        Deploy it (``cdk deploy``) before any service pipeline; it deploys
        :class:`~seawall.stacks.TeamRuntimeStack` (aggregate alarm, release
        state machines, the role the pipelines invoke them with) to every
        region and account of the team's plan, in wave order.
        """
        from .team_runtime import TeamFoundationStack

        return TeamFoundationStack(scope, construct_id or f"{cls.team.title()}Foundation", team_class=cls,
                                   env=env, **kwargs)
