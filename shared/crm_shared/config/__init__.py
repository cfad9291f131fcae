"""The CRM configuration: one YAML file describing plan, users, lead assignment and pipeline.

Stages, display names, task templates and descriptions, deadlines and rules are data
(SPEC §6): an operator edits the file, not the code. The packaged `default_config.yaml`
is the seed's funnel and documents every key.

    from crm_shared.config import load_config

    config = load_config()            # CRM_CONFIG, else the packaged default
    config.stage("PROCESSING").deadline
    config.pipeline.rules.required_fields  # the data; deal-service's domain applies them
"""

from .durations import Duration, format_duration, parse_duration
from .loader import CONFIG_ENV_VAR, ConfigError, config_from_data, load_config, loads_config
from .notifications import (
    CHANNEL_TYPES,
    KINDS,
    NOTIFICATION_KINDS,
    KindWords,
    NotificationSettings,
    NotificationTemplates,
)
from .people import (
    Access,
    BusChannel,
    Channel,
    EmailChannel,
    FixedAssignment,
    LeadAssignment,
    Role,
    RoundRobinAssignment,
    SmtpSettings,
    User,
    WebhookChannel,
    WebhookSettings,
)
from .pipeline import (
    DEFAULT_REQUIRED_FIELDS,
    FIELD_DISPLAY_NAMES,
    PLANS,
    REQUIRED_FIELD_NAMES,
    ROP_ROBOT_PLANS,
    ContactAttemptsRule,
    DeliveryMethodCode,
    DeliveryRule,
    Pipeline,
    Plan,
    RequiredFieldsRule,
    RopTaskRule,
    Rules,
    Stage,
    StageKind,
    StageTask,
)
from .root import DEFAULT_CURRENCIES, CrmConfig, UnknownStage
from .streams import DEFAULT_LEAD_SOURCES, StreamSettings
from .templates import RUSSIAN_PLACEHOLDERS, render_task_title, render_template, template_problems

__all__ = [
    "CHANNEL_TYPES",
    "CONFIG_ENV_VAR",
    "DEFAULT_CURRENCIES",
    "DEFAULT_LEAD_SOURCES",
    "DEFAULT_REQUIRED_FIELDS",
    "FIELD_DISPLAY_NAMES",
    "KINDS",
    "NOTIFICATION_KINDS",
    "PLANS",
    "REQUIRED_FIELD_NAMES",
    "ROP_ROBOT_PLANS",
    "RUSSIAN_PLACEHOLDERS",
    "Access",
    "BusChannel",
    "Channel",
    "ConfigError",
    "ContactAttemptsRule",
    "CrmConfig",
    "DeliveryMethodCode",
    "DeliveryRule",
    "Duration",
    "EmailChannel",
    "FixedAssignment",
    "KindWords",
    "LeadAssignment",
    "NotificationSettings",
    "NotificationTemplates",
    "Pipeline",
    "Plan",
    "RequiredFieldsRule",
    "Role",
    "RopTaskRule",
    "RoundRobinAssignment",
    "Rules",
    "SmtpSettings",
    "Stage",
    "StageKind",
    "StageTask",
    "StreamSettings",
    "UnknownStage",
    "User",
    "WebhookChannel",
    "WebhookSettings",
    "config_from_data",
    "format_duration",
    "load_config",
    "loads_config",
    "parse_duration",
    "render_task_title",
    "render_template",
    "template_problems",
]
