# Issue #20: CloudFront's standard logs (legacy) are not delivered to S3 buckets in opt-in
# Regions (variables.tf cites AWS's list), and the log bucket lives in var.region. So each
# opt-in Region is refused at plan time, with a message that says why, and a Region enabled by
# default still plans (name_prefix.tftest.hcl plans the longest prefix in each of those).

mock_provider "aws" {
  source = "./tests/mocks"
}

variables {
  # A test public key (its private half was discarded): CloudFront verifies /media/* with it.
  media_signing_public_keys = {
    k1 = <<-PEM
      -----BEGIN PUBLIC KEY-----
      MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEtnxgU3uP2zDbeopODbzPmonDvMkb
      INC+vYGAtHvsiedh0RjSDBqyDRPkPkzIrtDEA7z+66yEv9lfL5L7ghjwiQ==
      -----END PUBLIC KEY-----
    PEM
  }
  media_signing_key_active = "k1"
}

run "default_region_plans_with_its_own_log_bucket" {
  command = plan
  variables {
    region = "eu-west-1"
  }
  assert {
    # (stack.tftest.hcl checks that the distribution logs to this bucket.)
    condition     = endswith(aws_s3_bucket.logs.bucket, "-eu-west-1")
    error_message = "the log bucket CloudFront writes to lives in the stack's region"
  }
}

run "cloudfront_logs_refused_af_south_1" {
  command = plan
  variables {
    region = "af-south-1"
  }
  expect_failures = [var.region]
}

run "cloudfront_logs_refused_ap_east_1" {
  command = plan
  variables {
    region = "ap-east-1"
  }
  expect_failures = [var.region]
}

run "cloudfront_logs_refused_ap_east_2" {
  command = plan
  variables {
    region = "ap-east-2"
  }
  expect_failures = [var.region]
}

run "cloudfront_logs_refused_ap_south_2" {
  command = plan
  variables {
    region = "ap-south-2"
  }
  expect_failures = [var.region]
}

run "cloudfront_logs_refused_ap_southeast_3" {
  command = plan
  variables {
    region = "ap-southeast-3"
  }
  expect_failures = [var.region]
}

run "cloudfront_logs_refused_ap_southeast_4" {
  command = plan
  variables {
    region = "ap-southeast-4"
  }
  expect_failures = [var.region]
}

run "cloudfront_logs_refused_ap_southeast_5" {
  command = plan
  variables {
    region = "ap-southeast-5"
  }
  expect_failures = [var.region]
}

run "cloudfront_logs_refused_ap_southeast_6" {
  command = plan
  variables {
    region = "ap-southeast-6"
  }
  expect_failures = [var.region]
}

run "cloudfront_logs_refused_ap_southeast_7" {
  command = plan
  variables {
    region = "ap-southeast-7"
  }
  expect_failures = [var.region]
}

run "cloudfront_logs_refused_ca_west_1" {
  command = plan
  variables {
    region = "ca-west-1"
  }
  expect_failures = [var.region]
}

run "cloudfront_logs_refused_eu_central_2" {
  command = plan
  variables {
    region = "eu-central-2"
  }
  expect_failures = [var.region]
}

run "cloudfront_logs_refused_eu_south_1" {
  command = plan
  variables {
    region = "eu-south-1"
  }
  expect_failures = [var.region]
}

run "cloudfront_logs_refused_eu_south_2" {
  command = plan
  variables {
    region = "eu-south-2"
  }
  expect_failures = [var.region]
}

run "cloudfront_logs_refused_il_central_1" {
  command = plan
  variables {
    region = "il-central-1"
  }
  expect_failures = [var.region]
}

run "cloudfront_logs_refused_me_central_1" {
  command = plan
  variables {
    region = "me-central-1"
  }
  expect_failures = [var.region]
}

run "cloudfront_logs_refused_me_south_1" {
  command = plan
  variables {
    region = "me-south-1"
  }
  expect_failures = [var.region]
}

run "cloudfront_logs_refused_mx_central_1" {
  command = plan
  variables {
    region = "mx-central-1"
  }
  expect_failures = [var.region]
}
