terraform {
  # 1.6+: for_each over jsondecode()d files, optional() object attributes and check blocks.
  required_version = ">= 1.6.0"

  required_providers {
    aws = {
      source = "hashicorp/aws"
      # 5.100 is the provider this repo is validated against (terraform validate, offline).
      version = "~> 5.100"
    }
  }

  # State: local by default (infra/terraform.tfstate, keep it out of git). For a team, see
  # docs/deploy.md ("Remote state") for an S3 backend.
}

provider "aws" {
  region = var.region

  default_tags {
    tags = {
      Project   = "visual-neurons"
      Stack     = var.name_prefix
      ManagedBy = "terraform"
    }
  }
}

data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}
locals {
  account_id = data.aws_caller_identity.current.account_id
  partition  = data.aws_partition.current.partition
  # The provider runs in var.region, so this is the region every resource lives in.
  region = var.region
}
