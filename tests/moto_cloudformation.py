"""moto's server, with the one CloudFormation update of an EC2 instance that `drone-ai deploy`
makes: run as a script in place of `python -m moto.server` (same arguments).

moto (5.2) cannot update an AWS::EC2::Instance in a stack: its resource has no update, and
the stack loses the instance (every Fn::GetAtt on it fails afterwards). CloudFormation
updates UserData and InstanceType by stopping and starting the instance, and tags in place,
keeping its id; that is what this adds. Anything else that changes (image, subnet, key, ...)
would be a replacement in CloudFormation, which this does not model: it fails the update
instead of pretending.
"""

from __future__ import annotations

import sys
from typing import Any

from moto.ec2.models.instances import Instance
from moto.server import main

# Properties this stand-in knows the instance's current values of.
_KNOWN = {
    "ImageId": lambda instance: instance.image_id,
    "SubnetId": lambda instance: instance.subnet_id,
    "KeyName": lambda instance: instance.key_name,
}


def _update_instance(
    cls: type[Instance],
    original_resource: Instance,
    new_resource_name: str,
    cloudformation_json: dict[str, Any],
    account_id: str,
    region_name: str,
) -> Instance:
    properties = cloudformation_json["Properties"]
    for name, current in _KNOWN.items():
        if name in properties and properties[name] != current(original_resource):
            raise NotImplementedError(
                f"{name} changes {current(original_resource)!r} -> {properties[name]!r}: "
                f"a replacement, which this stand-in does not model"
            )
    instance = original_resource
    instance.user_data = properties.get("UserData")
    instance.instance_type = properties.get("InstanceType", instance.instance_type)
    for tag in properties.get("Tags", []):
        instance.add_tag(tag["Key"], tag["Value"])
    return instance


Instance.update_from_cloudformation_json = classmethod(_update_instance)  # type: ignore[method-assign,assignment]

if __name__ == "__main__":
    sys.exit(main())
