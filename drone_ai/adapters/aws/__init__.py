"""Deploying the tower to AWS: the release wheel, its artifact bucket, the CloudFormation stack
(boto3 types never leave these modules)."""
