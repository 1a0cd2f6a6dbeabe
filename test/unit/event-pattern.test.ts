import { describe, expect, it } from 'vitest';
import {
  InvalidEventPatternError,
  matchesEventPattern,
  parseEventPattern,
} from '../../infra/local/event-pattern';

// Sample events from the EventBridge user guide and the aws/event-ruler README. Cases marked "(AWS)" were
// answered by the real TestEventPattern (LocalStack's AWS-validated pattern suite); the rest follow the
// guide's wording or, where it is silent, event-ruler (the engine EventBridge runs).

const ec2Event = {
  version: '0',
  id: '6a7e8feb-b491-4cf7-a9f1-bf3703467718',
  'detail-type': 'EC2 Instance State-change Notification',
  source: 'aws.ec2',
  account: '111122223333',
  time: '2017-12-22T18:43:48Z',
  region: 'us-west-1',
  resources: ['arn:aws:ec2:us-west-1:123456789012:instance/i-1234567890abcdef0'],
  detail: { 'instance-id': 'i-1234567890abcdef0', state: 'terminated' },
};

const rulerEvent = {
  version: '0',
  id: 'ddddd4-aaaa-7777-4444-345dd43cc333',
  'detail-type': 'EC2 Instance State-change Notification',
  source: 'aws.ec2',
  account: '012345679012',
  time: '2017-10-02T16:24:49Z',
  region: 'us-east-1',
  resources: ['arn:aws:ec2:us-east-1:123456789012:instance/i-000000aaaaaa00000'],
  detail: {
    'c-count': 5,
    'd-count': 3,
    'x-limit': 301.8,
    'source-ip': '10.0.0.33',
    'instance-id': 'i-000000aaaaaa00000',
    state: 'running',
  },
};

const autoScalingEvent = {
  version: '0',
  id: '3e3c153a-8339-4e30-8c35-687ebef853fe',
  'detail-type': 'EC2 Instance Launch Successful',
  source: 'aws.autoscaling',
  account: '123456789012',
  time: '2015-11-11T21:31:47Z',
  region: 'us-east-1',
  resources: [],
  detail: { eventVersion: '', responseElements: null },
};

const macieEvent = {
  version: '0',
  id: '3e355723-fca9-4de3-9fd7-154c289d6b59',
  'detail-type': 'Macie Alert',
  source: 'aws.macie',
  account: '123456789012',
  time: '2017-04-24T22:28:49Z',
  region: 'us-east-1',
  resources: [
    'arn:aws:macie:us-east-1:123456789012:trigger/trigger_id/alert/alert_id',
    'arn:aws:macie:us-east-1:123456789012:trigger/trigger_id',
  ],
  detail: {
    'notification-type': 'ALERT_CREATED',
    name: 'Scanning bucket policies',
    tags: ['Custom_Alert', 'Insider'],
    'risk-score': 80,
    trigger: { 'alert-type': 'basic', risk: 8 },
  },
};

const s3Event = {
  version: '0',
  id: '17793124-05d4-b198-2fde-7ededc63b103',
  'detail-type': 'Object Created',
  source: 'aws.s3',
  account: '111122223333',
  time: '2021-11-12T00:00:00Z',
  region: 'ca-central-1',
  resources: ['arn:aws:s3:::DOC-EXAMPLE-BUCKET1'],
  detail: {
    version: '0',
    bucket: { name: 'DOC-EXAMPLE-BUCKET1' },
    object: {
      key: 'reports/2021/summary.PNG',
      size: 5,
      etag: 'b1946ac92492d2347c6235b4d2611184',
      'version-id': 'IYV3p45BT0ac8hjHg1houSdS1a.Mro8e',
      sequencer: '617f08299329d189',
    },
    'request-id': 'N4N7GDK58NMKJ12R',
    requester: '123456789012',
    'source-ip-address': '1.2.3.4',
    reason: 'PutObject',
  },
};

const employeesEvent = {
  employees: [
    { firstName: 'John', lastName: 'Doe' },
    { firstName: 'Anna', lastName: 'Smith' },
    { firstName: 'Peter', lastName: 'Jones' },
  ],
};

const nestedEmployeesEvent = {
  employees: [
    [
      { firstName: 'John', lastName: 'Doe' },
      { firstName: 'Anna', lastName: 'Smith' },
    ],
    [{ firstName: 'Peter', lastName: 'Jones' }],
  ],
};

const cloudWatchEvent = {
  source: 'aws.cloudwatch',
  metricName: 'NetworkIn',
  metricType: 'MetricType',
  namespace: 'AWS/EC2',
  scope: 'Resource',
  metricId: 1234,
  detail: { source: 'custom', 'detail-type': 'CloudWatch Alarm State Change' },
};

/** The envelope the AWS-validated cases used, around a custom detail. */
function envelope(extra: Record<string, unknown>): Record<string, unknown> {
  return {
    id: '1',
    source: 'test-source',
    'detail-type': 'test-detail-type',
    account: '123456789012',
    region: 'us-east-2',
    time: '2022-07-13T13:48:01Z',
    ...extra,
  };
}

const withDetail = (detail: unknown) => envelope({ detail });

function dynamoImage(homemade: Record<string, unknown>) {
  return envelope({ dynamodb: { NewImage: { homemade } } });
}

const roseFilter = {
  dynamodb: { NewImage: { homemade: { S: [{ 'anything-but': ['roses'] }, { exists: false }] } } },
};

type Case = [name: string, pattern: unknown, event: unknown, expected: boolean];

const ec2Termination = {
  source: ['aws.ec2'],
  'detail-type': ['EC2 Instance State-change Notification'],
  detail: { state: ['terminated'] },
};

const rulerNumeric = {
  detail: {
    'c-count': [{ numeric: ['>', 0, '<=', 5] }],
    'd-count': [{ numeric: ['<', 10] }],
    'x-limit': [{ numeric: ['=', 3.018e2] }],
  },
};

const docsOr = {
  detail: {
    $or: [
      { 'c-count': [{ numeric: ['>', 0, '<=', 5] }] },
      { 'd-count': [{ numeric: ['<', 10] }] },
      { 'x-limit': [{ numeric: ['=', 3.018e2] }] },
    ],
  },
};

const combined = { value: ['a', { prefix: 'b' }, { numeric: ['>', 3] }] };

const cases: Case[] = [
  // Creating event patterns
  ['EC2 termination pattern matches the sample event', ec2Termination, ec2Event, true],
  [
    'EC2 termination pattern skips a running instance',
    ec2Termination,
    { ...ec2Event, detail: { ...ec2Event.detail, state: 'running' } },
    false,
  ],
  ['values in a leaf are ORed', { source: ['aws.ec2', 'aws.fargate'] }, ec2Event, true],
  ['no alternative matches', { source: ['aws.fargate', 'aws.s3'] }, ec2Event, false],
  ['fields absent from the pattern are ignored', { region: ['us-west-1'] }, ec2Event, true],
  [
    'every pattern field must be in the event',
    { detail: { 'instance-type': ['t3.micro'] } },
    ec2Event,
    false,
  ],
  ['fields must be at the same nesting', { 'instance-id': ['i-1234567890abcdef0'] }, ec2Event, false],
  [
    'fields AND together: one failing field fails the pattern',
    { source: ['aws.ec2'], region: ['eu-west-1'] },
    ec2Event,
    false,
  ],
  ['strings match case-sensitively', { source: ['AWS.EC2'] }, ec2Event, false],
  ['strings are not normalised', { source: ['aws.ec2 '] }, ec2Event, false],
  ['keys are case-sensitive (AWS)', { Source: ['aws.ec2'] }, ec2Event, false],
  ['a key in the pattern only is no match', { detail: { state: { name: ['terminated'] } } }, ec2Event, false],
  ['a leaf pattern does not match an object value', { detail: ['terminated'] }, ec2Event, false],
  [
    'detail given as a JSON string is not parsed (AWS)',
    { detail: { 'my-key': ['my-value'] } },
    withDetail('{"my-key": "my-value"}'),
    false,
  ],

  // Null values and empty strings
  ['[""] matches an empty string', { detail: { eventVersion: [''] } }, autoScalingEvent, true],
  ['[null] matches a null value', { detail: { responseElements: [null] } }, autoScalingEvent, true],
  ['[null] does not match an empty string', { detail: { eventVersion: [null] } }, autoScalingEvent, false],
  ['[""] does not match null', { detail: { responseElements: [''] } }, autoScalingEvent, false],
  [
    '[null] does not match a missing field',
    { detail: { requestParameters: [null] } },
    autoScalingEvent,
    false,
  ],
  [
    '[null] does not match the string "null" (AWS)',
    { detail: { responseElements: [null] } },
    withDetail({ responseElements: 'null' }),
    false,
  ],
  ['["null"] does not match null', { detail: { responseElements: ['null'] } }, autoScalingEvent, false],
  [
    "the guide's auto scaling pattern with null",
    {
      source: ['aws.autoscaling'],
      'detail-type': ['EC2 Instance Launch Successful'],
      detail: { responseElements: [null] },
    },
    autoScalingEvent,
    true,
  ],

  // Value matching, numbers and booleans
  [
    'Macie risk score and trigger risk',
    { source: ['aws.macie'], detail: { 'risk-score': [80], trigger: { risk: [8] } } },
    macieEvent,
    true,
  ],
  ['Macie risk score that differs', { detail: { 'risk-score': [81] } }, macieEvent, false],
  ['a string never matches a number', { detail: { 'risk-score': ['80'] } }, macieEvent, false],
  ['a number never matches a string', { 'detail-type': [80] }, { 'detail-type': '80' }, false],
  ['300 matches 300.0 (AWS)', { number: [300] }, envelope({ number: 300.0 }), true],
  ['3.0e2 matches 300', { number: [3.0e2] }, envelope({ number: 300 }), true],
  ['a decimal matches its exponent form', { number: [301.8] }, envelope({ number: 3.018e2 }), true],
  ['300 does not match 301', { number: [300] }, envelope({ number: 301 }), false],
  ['an account id written as a number matches', { account: [123456789012] }, { account: 123456789012 }, true],
  ['0 matches -0', { number: [0] }, { number: -0 }, true],
  ['[true] matches true', { flag: [true] }, { flag: true }, true],
  ['[true] does not match false', { flag: [true] }, { flag: false }, false],
  ['[true] does not match the string "true" (AWS)', { flag: [true] }, { flag: 'true' }, false],
  ['[false] matches false', { flag: [false] }, { flag: false }, true],
  ['["true"] does not match true', { flag: ['true'] }, { flag: true }, false],

  // Arrays
  [
    'arrays match when the intersection is non-empty (AWS)',
    {
      resources: [
        'arn:aws:ec2:us-east-1:123456789012:instance/i-b188560f',
        'arn:aws:ec2:us-east-1:111122223333:instance/i-b188560f',
        'arn:aws:ec2:us-east-1:444455556666:instance/i-b188560f',
      ],
    },
    {
      resources: [
        'arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:eb56d16b-bbf0-401d-b893-d5978ed4a025:autoScalingGroupName/ASGTerminate',
        'arn:aws:ec2:us-east-1:123456789012:instance/i-b188560f',
      ],
    },
    true,
  ],
  [
    'arrays with an empty intersection do not match (AWS)',
    { resources: ['arn:aws:ec2:us-east-1:123456789012:instance/i-b188560f'] },
    { resources: ['arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:asg'] },
    false,
  ],
  ['[null] does not match an empty array (AWS)', { resources: [null] }, autoScalingEvent, false],
  ['one element of a string array matches', { detail: { tags: ['Insider'] } }, macieEvent, true],
  ['no element of a string array matches', { detail: { tags: ['Outsider'] } }, macieEvent, false],
  ['prefix matches any element', { detail: { tags: [{ prefix: 'Custom_' }] } }, macieEvent, true],
  [
    'objects in an array are crushed into their parent path',
    { employees: { firstName: ['Anna'] } },
    employeesEvent,
    true,
  ],
  ['arrays of arrays are crushed too', { employees: { firstName: ['Anna'] } }, nestedEmployeesEvent, true],
  [
    'two fields from one array element match',
    { employees: { firstName: ['Anna'], lastName: ['Smith'] } },
    employeesEvent,
    true,
  ],
  [
    'two fields from different array elements do not match (array-consistent)',
    { employees: { firstName: ['Anna'], lastName: ['Jones'] } },
    employeesEvent,
    false,
  ],
  [
    'array consistency holds across nested arrays',
    { employees: { firstName: ['Anna'], lastName: ['Jones'] } },
    nestedEmployeesEvent,
    false,
  ],
  [
    'a field outside the array combines with any element',
    { source: ['hr'], employees: { lastName: ['Jones'] } },
    { ...employeesEvent, source: 'hr' },
    true,
  ],
  [
    'exists matches when one element has the field (AWS)',
    { detail: { automations: { id: [{ exists: true }] } } },
    withDetail({ automations: [{ key1: 'value1' }, { id: 'match-does-exist' }, { key2: 'value2' }] }),
    true,
  ],
  [
    'exists: false fails when any element has the field',
    { detail: { automations: { id: [{ exists: false }] } } },
    withDetail({ automations: [{ key1: 'value1' }, { id: 'match-does-exist' }] }),
    false,
  ],
  [
    'exists: false looks only at the element already matched',
    { list: { b: [1], c: [{ exists: false }] } },
    { list: [{ b: 1 }, { c: 2 }] },
    true,
  ],
  [
    'exists: false sees the whole event when its path sorts first (ruler order)',
    { list: { c: [2], b: [{ exists: false }] } },
    { list: [{ b: 1 }, { c: 2 }] },
    false,
  ],
  ['numeric matches any element', { values: [{ numeric: ['>', 10] }] }, { values: [1, 50] }, true],
  [
    'numeric range needs one element inside it',
    { values: [{ numeric: ['>', 0, '<', 10] }] },
    { values: [20, -1] },
    false,
  ],
  ['mixed-type arrays match element by element', { values: [7] }, { values: ['7', 7, null] }, true],

  // Prefix, suffix and equals-ignore-case
  ['prefix on a time field (guide)', { time: [{ prefix: '2017-10-02' }] }, rulerEvent, true],
  ['prefix that does not match', { time: [{ prefix: '2017-10-03' }] }, rulerEvent, false],
  [
    'prefix for European regions (guide)',
    { source: ['aws.autoscaling'], region: [{ prefix: 'eu-' }] },
    { ...autoScalingEvent, region: 'eu-west-1' },
    true,
  ],
  [
    'prefix for European regions skips us-east-1',
    { source: ['aws.autoscaling'], region: [{ prefix: 'eu-' }] },
    autoScalingEvent,
    false,
  ],
  ['prefix is case-sensitive', { region: [{ prefix: 'US-' }] }, autoScalingEvent, false],
  ['prefix never matches a number', { detail: { 'c-count': [{ prefix: '5' }] } }, rulerEvent, false],
  ['an empty prefix matches any string', { source: [{ prefix: '' }] }, rulerEvent, true],
  [
    'an empty prefix does not match null',
    { detail: { responseElements: [{ prefix: '' }] } },
    autoScalingEvent,
    false,
  ],
  [
    'prefix with equals-ignore-case (guide)',
    { detail: { service: [{ prefix: { 'equals-ignore-case': 'EventB' } }] } },
    withDetail({ service: 'eventbridge' }),
    true,
  ],
  [
    'prefix with equals-ignore-case, upper case value',
    { detail: { service: [{ prefix: { 'equals-ignore-case': 'eventb' } }] } },
    withDetail({ service: 'EVENTBRIDGE' }),
    true,
  ],
  [
    'prefix with equals-ignore-case does not search inside',
    { detail: { service: [{ prefix: { 'equals-ignore-case': 'eventb' } }] } },
    withDetail({ service: 'Amazon EventBridge' }),
    false,
  ],
  ['suffix .png (guide)', { FileName: [{ suffix: '.png' }] }, { FileName: 'image.png' }, true],
  ['suffix is case-sensitive', { FileName: [{ suffix: '.png' }] }, { FileName: 'image.PNG' }, false],
  [
    'suffix with equals-ignore-case (guide)',
    { detail: { FileName: [{ suffix: { 'equals-ignore-case': '.png' } }] } },
    withDetail({ FileName: 'image.PNG' }),
    true,
  ],
  [
    'suffix with equals-ignore-case that does not match',
    { detail: { FileName: [{ suffix: { 'equals-ignore-case': '.png' } }] } },
    withDetail({ FileName: 'image.jpg' }),
    false,
  ],
  ['suffix on source (ruler)', { source: [{ suffix: 'ec2' }] }, rulerEvent, true],
  ['suffix never matches a number', { n: [{ suffix: '5' }] }, { n: 5 }, false],
  [
    'suffix on an S3 key',
    { source: ['aws.s3'], detail: { object: { key: [{ suffix: { 'equals-ignore-case': '.png' } }] } } },
    s3Event,
    true,
  ],
  ['equals-ignore-case (guide)', { Name: [{ 'equals-ignore-case': 'alice' }] }, { Name: 'Alice' }, true],
  [
    'equals-ignore-case needs the whole value',
    { Name: [{ 'equals-ignore-case': 'alice' }] },
    { Name: 'Alicia' },
    false,
  ],
  [
    'equals-ignore-case on detail-type (AWS)',
    { 'detail-type': [{ 'equals-ignore-case': 'ec2 instance state-change notification' }] },
    ec2Event,
    true,
  ],
  [
    'equals-ignore-case with an empty value (AWS)',
    { detail: { value: [{ 'equals-ignore-case': '' }] } },
    withDetail({ value: '' }),
    true,
  ],
  [
    'equals-ignore-case with an empty value only matches empty (AWS)',
    { detail: { value: [{ 'equals-ignore-case': '' }] } },
    withDetail({ value: 'test-value' }),
    false,
  ],
  [
    'equals-ignore-case folds non-ASCII letters',
    { word: [{ 'equals-ignore-case': 'ÉTÉ' }] },
    { word: 'été' },
    true,
  ],
  ['equals-ignore-case never matches a number', { n: [{ 'equals-ignore-case': '5' }] }, { n: 5 }, false],

  // Wildcard
  [
    'wildcard in the middle (ruler)',
    { source: [{ wildcard: 'Simple*Service' }] },
    { source: 'SimpleNotificationService' },
    true,
  ],
  [
    'wildcard literal parts must all match',
    { source: [{ wildcard: 'Simple*Service' }] },
    { source: 'SimpleNotificationServices' },
    false,
  ],
  [
    'wildcard on an event bus ARN (AWS)',
    { EventBusArn: [{ wildcard: 'arn:aws:events:us-east-1:*:event-bus/*' }] },
    envelope({ EventBusArn: 'arn:aws:events:us-east-1:123456789012:event-bus/myEventBus' }),
    true,
  ],
  [
    'wildcard with repeating literal text (AWS)',
    { FileName: [{ wildcard: '/Users/*/dir/dir/dir/dir/dir/doc.txt' }] },
    envelope({ FileName: '/Users/ls_user/dir/dir/dir/dir/dir/doc.txt' }),
    true,
  ],
  [
    'wildcard with repeating literal text that differs (AWS)',
    { FileName: [{ wildcard: '/Users/*/dir/dir/dir/dir/dir/doc.txt' }] },
    envelope({ FileName: '/Users/ls_user/dir/dir/dir/dir/otherdir/doc.txt' }),
    false,
  ],
  [
    'wildcard across directories (AWS)',
    { FileName: [{ wildcard: '/Users/*/doc.txt' }] },
    envelope({ FileName: '/Users/ls_user/dir/dir/dir/dir/dir/doc.txt' }),
    true,
  ],
  [
    'wildcard suffix must match whole (AWS)',
    { FileName: [{ wildcard: '/Users/*/doc.txt' }] },
    envelope({ FileName: '/Users/ls_user/dir/notmatchingdoc.txt' }),
    false,
  ],
  ['wildcard * matches any string', { s: [{ wildcard: '*' }] }, { s: 'anything' }, true],
  ['wildcard * matches the empty string', { s: [{ wildcard: '*' }] }, { s: '' }, true],
  ['wildcard * never matches a number', { s: [{ wildcard: '*' }] }, { s: 5 }, false],
  ['wildcard * never matches null', { s: [{ wildcard: '*' }] }, { s: null }, false],
  ['empty wildcard matches only the empty string', { s: [{ wildcard: '' }] }, { s: 'x' }, false],
  ['wildcard star may match nothing', { s: [{ wildcard: 'a*b*c' }] }, { s: 'abc' }, true],
  ['wildcard segments keep their order', { s: [{ wildcard: 'a*c*b' }] }, { s: 'abc' }, false],
  ['wildcard segments may not overlap', { s: [{ wildcard: 'ab*ba' }] }, { s: 'aba' }, false],
  ['escaped star is a literal star', { s: [{ wildcard: 'a\\*b' }] }, { s: 'a*b' }, true],
  ['escaped star does not match other text', { s: [{ wildcard: 'a\\*b' }] }, { s: 'axb' }, false],
  ['escaped backslash is a literal backslash', { s: [{ wildcard: 'a\\\\*' }] }, { s: 'a\\tail' }, true],
  [
    'a plain "*" value is an exact match, not a wildcard (AWS)',
    { detail: { star: ['*'] } },
    withDetail({ star: '*' }),
    true,
  ],
  [
    'a plain "*" value does not match other text',
    { detail: { star: ['*'] } },
    withDetail({ star: 'x' }),
    false,
  ],
  ['a plain backslash value matches (AWS)', { detail: { slash: ['\\'] } }, withDetail({ slash: '\\' }), true],

  // Anything-but
  [
    'anything-but a string (guide)',
    { detail: { state: [{ 'anything-but': 'initializing' }] } },
    rulerEvent,
    true,
  ],
  [
    'anything-but excludes its string',
    { detail: { state: [{ 'anything-but': 'running' }] } },
    rulerEvent,
    false,
  ],
  ['anything-but a number (guide)', { detail: { 'x-limit': [{ 'anything-but': 123 }] } }, rulerEvent, true],
  [
    'anything-but excludes its number',
    { detail: { 'x-limit': [{ 'anything-but': 301.8 }] } },
    rulerEvent,
    false,
  ],
  [
    'anything-but 0 (AWS)',
    { detail: { 'x-limit': [{ 'anything-but': 0 }] } },
    withDetail({ 'x-limit': 789 }),
    true,
  ],
  [
    'anything-but a list of strings (guide)',
    { detail: { state: [{ 'anything-but': ['stopped', 'overloaded'] }] } },
    rulerEvent,
    true,
  ],
  [
    'anything-but a list excludes each string',
    { detail: { state: [{ 'anything-but': ['stopped', 'running'] }] } },
    rulerEvent,
    false,
  ],
  [
    'anything-but a list of numbers (guide)',
    { detail: { 'x-limit': [{ 'anything-but': [100, 200, 300] }] } },
    rulerEvent,
    true,
  ],
  [
    'anything-but numbers compare numerically',
    { n: [{ 'anything-but': [100, 200, 300] }] },
    { n: 200.0 },
    false,
  ],
  ['anything-but a number does not exclude its string', { n: [{ 'anything-but': 123 }] }, { n: '123' }, true],
  ['anything-but a string does not exclude its number', { n: [{ 'anything-but': '123' }] }, { n: 123 }, true],
  [
    'anything-but matches null (AWS)',
    { detail: { command: [{ 'anything-but': ['no-message'] }] } },
    withDetail({ command: null, payload: 'baz' }),
    true,
  ],
  ['anything-but matches a boolean', { flag: [{ 'anything-but': 'true' }] }, { flag: true }, true],
  [
    'anything-but never matches a missing field (AWS)',
    { detail: { state: [{ 'anything-but': ['stopped', 'overloaded'] }] } },
    withDetail({}),
    false,
  ],
  [
    'anything-but never matches an object value',
    { detail: [{ 'anything-but': 'x' }] },
    withDetail({ state: 'x' }),
    false,
  ],
  ['anything-but never matches an empty array', { tags: [{ 'anything-but': 'x' }] }, { tags: [] }, false],
  [
    'anything-but matches when one array element is not excluded',
    { tags: [{ 'anything-but': 'stopped' }] },
    { tags: ['stopped', 'running'] },
    true,
  ],
  [
    'anything-but fails when every array element is excluded',
    { tags: [{ 'anything-but': ['stopped', 'overloaded'] }] },
    { tags: ['stopped', 'overloaded'] },
    false,
  ],
  [
    'anything-but CloudTrail calls (guide)',
    { 'detail-type': [{ 'anything-but': 'AWS API Call via CloudTrail' }] },
    ec2Event,
    true,
  ],
  [
    'anything-but EC2 or S3 sources (guide)',
    { source: [{ 'anything-but': ['aws.ec2', 'aws.s3'] }] },
    ec2Event,
    false,
  ],
  [
    'anything-but prefix aws. keeps own events (guide)',
    { source: [{ 'anything-but': { prefix: 'aws.' } }] },
    { source: 'kindred' },
    true,
  ],
  [
    'anything-but prefix aws. drops AWS events (guide)',
    { source: [{ 'anything-but': { prefix: 'aws.' } }] },
    ec2Event,
    false,
  ],
  [
    'anything-but prefix (guide)',
    { detail: { state: [{ 'anything-but': { prefix: 'init' } }] } },
    rulerEvent,
    true,
  ],
  [
    'anything-but prefix excludes a prefixed value',
    { detail: { state: [{ 'anything-but': { prefix: 'init' } }] } },
    withDetail({ state: 'initializing' }),
    false,
  ],
  [
    'anything-but prefix matches a number (AWS)',
    { detail: { state: [{ 'anything-but': { prefix: 'init' } }] } },
    withDetail({ state: 12 }),
    true,
  ],
  [
    'anything-but prefix matches null (AWS)',
    { detail: { state: [{ 'anything-but': { prefix: 'init' } }] } },
    withDetail({ state: null }),
    true,
  ],
  [
    'anything-but prefix list matches a number (AWS)',
    { detail: { state: [{ 'anything-but': { prefix: ['init', 'test'] } }] } },
    withDetail({ state: 12 }),
    true,
  ],
  [
    'anything-but prefix list excludes each prefix',
    { detail: { state: [{ 'anything-but': { prefix: ['init', 'test'] } }] } },
    withDetail({ state: 'testing' }),
    false,
  ],
  [
    'anything-but prefix never matches a missing field (AWS)',
    { detail: { state: [{ 'anything-but': { prefix: 'init' } }] } },
    withDetail({}),
    false,
  ],
  [
    'anything-but suffix (guide)',
    { FileName: [{ 'anything-but': { suffix: '.png' } }] },
    { FileName: 'notes.txt' },
    true,
  ],
  [
    'anything-but suffix excludes the suffix',
    { FileName: [{ 'anything-but': { suffix: '.png' } }] },
    { FileName: 'image.png' },
    false,
  ],
  [
    'anything-but suffix list',
    { FileName: [{ 'anything-but': { suffix: ['.png', '.txt'] } }] },
    { FileName: 'notes.txt' },
    false,
  ],
  [
    'anything-but suffix matches null (AWS)',
    { FileName: [{ 'anything-but': { suffix: '.png' } }] },
    { FileName: null },
    true,
  ],
  [
    'anything-but equals-ignore-case (guide)',
    { detail: { state: [{ 'anything-but': { 'equals-ignore-case': 'initializing' } }] } },
    withDetail({ state: 'INITIALIZING' }),
    false,
  ],
  [
    'anything-but equals-ignore-case lets others through',
    { detail: { state: [{ 'anything-but': { 'equals-ignore-case': 'initializing' } }] } },
    withDetail({ state: 'running' }),
    true,
  ],
  [
    'anything-but equals-ignore-case list',
    { detail: { state: [{ 'anything-but': { 'equals-ignore-case': ['Initializing', 'Stopped'] } }] } },
    withDetail({ state: 'STOPPED' }),
    false,
  ],
  [
    'anything-but equals-ignore-case list matches null (AWS)',
    { detail: { state: [{ 'anything-but': { 'equals-ignore-case': ['initializing', 'stopped'] } }] } },
    withDetail({ state: null }),
    true,
  ],
  [
    'anything-but wildcard (guide)',
    { FilePath: [{ 'anything-but': { wildcard: '*/lib/*' } }] },
    { FilePath: '/usr/bin/node' },
    true,
  ],
  [
    'anything-but wildcard excludes matching paths',
    { FilePath: [{ 'anything-but': { wildcard: '*/lib/*' } }] },
    { FilePath: '/usr/lib/node' },
    false,
  ],
  [
    'anything-but wildcard list',
    { FilePath: [{ 'anything-but': { wildcard: ['*/lib/*', '*/bin/*'] } }] },
    { FilePath: '/usr/bin/node' },
    false,
  ],
  [
    'anything-but an empty wildcard (AWS)',
    { detail: { FilePath: [{ 'anything-but': { wildcard: '' } }] } },
    withDetail({ FilePath: 'dir/init/file' }),
    true,
  ],
  [
    'anything-but wildcard matches a number (AWS)',
    { detail: { FilePath: [{ 'anything-but': { wildcard: '*/dir/*' } }] } },
    withDetail({ FilePath: 123 }),
    true,
  ],
  [
    'anything-but wildcard never matches a missing field (AWS)',
    { detail: { FilePath: [{ 'anything-but': { wildcard: '*/dir/*' } }] } },
    withDetail({}),
    false,
  ],

  // Numeric
  ['numeric ranges from the guide', rulerNumeric, rulerEvent, true],
  ['numeric > excludes its bound', { detail: { 'c-count': [{ numeric: ['>', 5] }] } }, rulerEvent, false],
  ['numeric >= includes its bound', { detail: { 'c-count': [{ numeric: ['>=', 5] }] } }, rulerEvent, true],
  ['numeric < excludes its bound', { detail: { 'c-count': [{ numeric: ['<', 5] }] } }, rulerEvent, false],
  ['numeric <= includes its bound', { detail: { 'c-count': [{ numeric: ['<=', 5] }] } }, rulerEvent, true],
  [
    'numeric = matches an equal number',
    { detail: { 'x-limit': [{ numeric: ['=', 301.8] }] } },
    rulerEvent,
    true,
  ],
  [
    'numeric = rejects a different number',
    { detail: { 'x-limit': [{ numeric: ['=', 301.9] }] } },
    rulerEvent,
    false,
  ],
  [
    'numeric > 100 matches 101.0 (AWS)',
    { number: [{ numeric: ['>', 100] }] },
    envelope({ number: 101.0 }),
    true,
  ],
  [
    'numeric never matches null (AWS)',
    { number: [{ numeric: ['>', 100] }] },
    envelope({ number: null }),
    false,
  ],
  [
    'numeric never matches a numeric string (AWS)',
    { number: [{ numeric: ['>', 100] }] },
    envelope({ number: '101' }),
    false,
  ],
  ['numeric with negative bounds', { n: [{ numeric: ['>', -10, '<', 0] }] }, { n: -5 }, true],
  ['numeric with six decimals', { n: [{ numeric: ['>', 0.000001] }] }, { n: 0.000002 }, true],
  ['numeric ignores numbers beyond 5e9', { n: [{ numeric: ['>', 0] }] }, { n: 6e9 }, false],
  ['numeric includes 5e9', { n: [{ numeric: ['>=', 0] }] }, { n: 5e9 }, true],
  [
    'numeric alternatives OR together (AWS)',
    {
      dynamodb: { NewImage: { numericFilter: { N: [{ numeric: ['>', 100] }, { 'anything-but': '101' }] } } },
    },
    envelope({ dynamodb: { NewImage: { numericFilter: { N: '42' } } } }),
    true,
  ],
  [
    'numeric alternatives all failing (AWS)',
    {
      dynamodb: { NewImage: { numericFilter: { N: [{ numeric: ['>', 100] }, { 'anything-but': '101' }] } } },
    },
    envelope({ dynamodb: { NewImage: { numericFilter: { N: '101' } } } }),
    false,
  ],

  // IP addresses
  ['cidr (ruler)', { detail: { 'source-ip': [{ cidr: '10.0.0.0/24' }] } }, rulerEvent, true],
  ['cidr outside the block', { detail: { 'source-ip': [{ cidr: '10.0.1.0/24' }] } }, rulerEvent, false],
  ['cidr /8', { detail: { 'source-ip': [{ cidr: '10.0.0.0/8' }] } }, rulerEvent, true],
  ['cidr /0 takes every IPv4 address', { ip: [{ cidr: '0.0.0.0/0' }] }, { ip: '203.0.113.9' }, true],
  [
    'cidr on the S3 source address',
    { detail: { 'source-ip-address': [{ cidr: '1.2.3.0/24' }] } },
    s3Event,
    true,
  ],
  [
    'cidr IPv6 (AWS)',
    { detail: { sourceIPAddress: [{ cidr: '2001:db8:1234:1a00::/64' }] } },
    withDetail({ sourceIPAddress: '2001:0db8:1234:1a00:0000:0000:0000:0000' }),
    true,
  ],
  [
    'cidr IPv6 outside the block (AWS)',
    { detail: { sourceIPAddress: [{ cidr: '2001:db8:1234:1a00::/64' }] } },
    withDetail({ sourceIPAddress: '2001:0db8:123f:1a01:0000:0000:0000:0000' }),
    false,
  ],
  [
    'cidr never matches a number (AWS)',
    { detail: { sourceIPAddress: [{ cidr: '10.0.0.0/24' }] } },
    withDetail({ sourceIPAddress: 123 }),
    false,
  ],
  ['cidr never matches a non-address string', { ip: [{ cidr: '10.0.0.0/24' }] }, { ip: 'localhost' }, false],
  [
    'an IPv4 block never takes an IPv6 address',
    { ip: [{ cidr: '10.0.0.0/8' }] },
    { ip: '2001:db8::1' },
    false,
  ],
  [
    'cidr matches any element of an address list',
    { ips: [{ cidr: '192.168.0.0/16' }] },
    { ips: ['10.0.0.1', '192.168.4.2'] },
    true,
  ],
  ['cidr starts at the address as written', { ip: [{ cidr: '10.0.0.5/24' }] }, { ip: '10.0.0.4' }, false],
  [
    'an address pattern matches another spelling of it',
    { ip: ['2001:db8::1'] },
    { ip: '2001:0DB8:0:0:0:0:0:1' },
    true,
  ],
  ['an IPv4 address pattern matches only its address', { ip: ['10.0.0.1'] }, { ip: '10.0.0.10' }, false],

  // Exists
  ['exists: true (guide)', { detail: { state: [{ exists: true }] } }, ec2Event, true],
  [
    'exists: true fails on a missing field (AWS)',
    { detail: { state: [{ exists: true }] } },
    withDetail({ 'c-count': { c1: 100 } }),
    false,
  ],
  [
    'exists: false on a missing field (guide)',
    { detail: { 'c-count': [{ exists: false }] } },
    ec2Event,
    true,
  ],
  [
    'exists: false on an object is true: only leaves exist (guide)',
    { detail: { 'c-count': [{ exists: false }] } },
    withDetail({ state: 'x', 'c-count': { c1: 100 } }),
    true,
  ],
  ['exists: false on a present field', { detail: { state: [{ exists: false }] } }, ec2Event, false],
  [
    'exists: true on an intermediate node fails (AWS)',
    { dynamodb: { presentKey: [{ exists: true }] } },
    envelope({ dynamodb: { id: { S: 'test1234' }, presentKey: { S: 'test123' } } }),
    false,
  ],
  [
    'exists: true on the leaf below it (AWS)',
    { dynamodb: { presentKey: { S: [{ exists: true }] } } },
    envelope({ dynamodb: { id: { S: 'test1234' }, presentKey: { S: 'test123' } } }),
    true,
  ],
  [
    'exists: true on a null value',
    { detail: { responseElements: [{ exists: true }] } },
    autoScalingEvent,
    true,
  ],
  [
    'exists: true on an empty string',
    { detail: { eventVersion: [{ exists: true }] } },
    autoScalingEvent,
    true,
  ],
  ['exists: true on an empty array fails', { resources: [{ exists: true }] }, autoScalingEvent, false],
  ['exists: false on an empty array', { resources: [{ exists: false }] }, autoScalingEvent, true],
  ['exists: true on a string array', { resources: [{ exists: true }] }, ec2Event, true],
  [
    'exists: false under missing parents (AWS)',
    { detail: { level1: { level2: { level3: { level4: [{ exists: false }] } } } } },
    withDetail({ level1: { level2: 'l2 value' } }),
    true,
  ],
  [
    'exists: false on a deep present leaf (AWS)',
    { detail: { level1: { level2: { level3: { level4: [{ exists: false }] } } } } },
    withDetail({ level1: { level2: { level3: { level4: 'l4 value' } } } }),
    false,
  ],
  ['exists: false beside a sibling leaf (AWS)', roseFilter, dynamoImage({ N: '789' }), true],
  [
    'exists: false when the parent is missing (AWS)',
    roseFilter,
    envelope({ dynamodb: { NewImage: { purchased: { N: '789' } } } }),
    true,
  ],
  [
    'anything-but alternative when the field exists (AWS)',
    roseFilter,
    dynamoImage({ S: 'ABCD', N: '1234' }),
    true,
  ],
  ['both alternatives fail', roseFilter, dynamoImage({ S: 'roses' }), false],
  [
    'a list with exists and other operators ORs them (AWS)',
    { my_key: [{ exists: true }, { prefix: 'IGNORED' }, { suffix: 'IGNORED' }] },
    envelope({ my_key: 'my-value' }),
    true,
  ],
  [
    'exists: true and exists: false together always match',
    { x: [{ exists: true }, { exists: false }] },
    { y: 1 },
    true,
  ],

  // Combined operators in one leaf
  ['combined: exact string', combined, { value: 'a' }, true],
  ['combined: prefix', combined, { value: 'bx' }, true],
  ['combined: numeric', combined, { value: 4 }, true],
  ['combined: a number below the range', combined, { value: 2 }, false],
  ['combined: an unrelated string', combined, { value: 'c' }, false],

  // $or
  [
    '$or from the guide, second branch (AWS)',
    docsOr,
    withDetail({ 'c-count': 0, 'd-count': 0, 'x-limit': 9.018e2 }),
    true,
  ],
  [
    '$or from the guide, no branch (AWS)',
    docsOr,
    withDetail({ 'c-count': 0, 'd-count': 10, 'x-limit': 9.018e2 }),
    false,
  ],
  [
    '$or from the guide, third branch',
    docsOr,
    withDetail({ 'c-count': 0, 'd-count': 10, 'x-limit': 301.8 }),
    true,
  ],
  [
    '$or with a sibling field (ruler)',
    {
      source: ['aws.cloudwatch'],
      $or: [{ metricName: ['CPUUtilization', 'ReadLatency'] }, { namespace: ['AWS/EC2', 'AWS/ES'] }],
    },
    cloudWatchEvent,
    true,
  ],
  [
    '$or with a sibling field that fails',
    {
      source: ['aws.ec2'],
      $or: [{ metricName: ['CPUUtilization', 'ReadLatency'] }, { namespace: ['AWS/EC2', 'AWS/ES'] }],
    },
    cloudWatchEvent,
    false,
  ],
  [
    'parallel $or at two levels (ruler)',
    {
      $or: [{ metricName: ['CPUUtilization', 'ReadLatency'] }, { namespace: ['AWS/EC2', 'AWS/ES'] }],
      detail: { $or: [{ source: ['aws.cloudwatch'] }, { 'detail-type': ['CloudWatch Alarm State Change'] }] },
    },
    cloudWatchEvent,
    true,
  ],
  [
    'parallel $or needs both',
    {
      $or: [{ metricName: ['CPUUtilization', 'ReadLatency'] }, { namespace: ['AWS/ES'] }],
      detail: { $or: [{ source: ['aws.cloudwatch'] }, { 'detail-type': ['CloudWatch Alarm State Change'] }] },
    },
    cloudWatchEvent,
    false,
  ],
  [
    '$or branch with an AND inside (ruler)',
    {
      source: ['aws.cloudwatch'],
      $or: [
        { metricName: ['CPUUtilization'] },
        { metricType: ['MetricType'], namespace: ['AWS/EC2', 'AWS/ES'] },
        { scope: ['Service'] },
      ],
    },
    cloudWatchEvent,
    true,
  ],
  [
    '$or branch with an AND inside needs both fields',
    {
      source: ['aws.cloudwatch'],
      $or: [
        { metricName: ['CPUUtilization'] },
        { metricType: ['Other'], namespace: ['AWS/EC2'] },
        { scope: ['Service'] },
      ],
    },
    cloudWatchEvent,
    false,
  ],
  [
    'nested $or and AND (ruler)',
    {
      source: ['aws.cloudwatch'],
      $or: [
        { metricName: ['CPUUtilization', 'ReadLatency'] },
        {
          metricType: ['MetricType'],
          namespace: ['AWS/EC2', 'AWS/ES'],
          $or: [{ metricId: [1234] }, { spaceId: [1000] }],
        },
        { scope: ['Service'] },
      ],
    },
    cloudWatchEvent,
    true,
  ],
  [
    '$or of sources rejects a third source',
    { $or: [{ source: ['aws.ec2'] }, { source: ['aws.s3'] }] },
    { source: 'my.app' },
    false,
  ],
  [
    '$or of sources accepts the second',
    { $or: [{ source: ['aws.ec2'] }, { source: ['aws.s3'] }] },
    s3Event,
    true,
  ],
  [
    '$or with exists: false',
    { $or: [{ detail: { state: ['pending'] } }, { detail: { state: [{ exists: false }] } }] },
    withDetail({}),
    true,
  ],
  [
    'a later sibling overrides the same path in every branch',
    { $or: [{ a: ['1'] }, { b: ['2'] }], a: ['3'] },
    { a: '1' },
    false,
  ],
  [
    'a later sibling still combines with other branches',
    { $or: [{ a: ['1'] }, { b: ['2'] }], a: ['3'] },
    { a: '3', b: '2' },
    true,
  ],

  // Dotted keys are joined paths
  [
    'a dotted pattern key matches nested fields (AWS)',
    { detail: { 'state.status': ['running'] } },
    withDetail({ state: { status: 'running' } }),
    true,
  ],
  [
    'nested pattern keys match a dotted event key (AWS)',
    { detail: { state: { status: ['running'] } } },
    withDetail({ 'state.status': 'running' }),
    true,
  ],
  [
    'a dotted event key adds its own depth (AWS)',
    { detail: { state: { status: ['running'] } } },
    withDetail({ 'state.status': { status: 'running' } }),
    false,
  ],
  [
    'a dotted pattern key adds its own depth (AWS)',
    { detail: { 'state.status': { status: ['running'] } } },
    withDetail({ state: { status: 'running' } }),
    false,
  ],
  ['a top-level dotted key (AWS)', { 'detail.name': ['x'] }, withDetail({ name: 'x' }), true],

  // Complete samples
  [
    'complex example (guide)',
    {
      time: [{ prefix: '2017-10-02' }],
      detail: {
        state: [{ 'anything-but': 'initializing' }],
        'c-count': [{ numeric: ['>', 0, '<=', 5] }],
        'd-count': [{ numeric: ['<', 10] }],
        'x-limit': [{ 'anything-but': [100, 200, 300] }],
        'source-ip': [{ cidr: '10.0.0.0/8' }],
      },
    },
    rulerEvent,
    true,
  ],
  [
    'complex example with one failing condition',
    {
      time: [{ prefix: '2017-10-02' }],
      detail: { state: [{ 'anything-but': 'running' }], 'c-count': [{ numeric: ['>', 0, '<=', 5] }] },
    },
    rulerEvent,
    false,
  ],
  [
    'simple matching from the ruler README',
    {
      'detail-type': ['EC2 Instance State-change Notification'],
      resources: ['arn:aws:ec2:us-east-1:123456789012:instance/i-000000aaaaaa00000'],
      detail: { state: ['initializing', 'running'] },
    },
    rulerEvent,
    true,
  ],
  [
    'S3 object created in a bucket',
    {
      source: ['aws.s3'],
      'detail-type': ['Object Created'],
      detail: {
        bucket: { name: ['DOC-EXAMPLE-BUCKET1'] },
        object: { size: [{ numeric: ['>', 0] }], key: [{ prefix: 'reports/' }] },
      },
    },
    s3Event,
    true,
  ],
  [
    'S3 object created in another bucket',
    { source: ['aws.s3'], detail: { bucket: { name: ['DOC-EXAMPLE-BUCKET2'] } } },
    s3Event,
    false,
  ],
];

describe('matchesEventPattern', () => {
  it.each(cases)('%s', (_name, pattern, event, expected) => {
    // Prepare
    const compiled = parseEventPattern(pattern);
    const asText = JSON.stringify(pattern);

    // Act
    const results = [compiled.matches(event), matchesEventPattern(asText, event)];

    // Assess
    expect(results).toEqual([expected, expected]);
  });

  it('keeps the last of duplicate keys, as the guide says', () => {
    // Prepare: only a JSON string can carry a duplicate key.
    const pattern =
      '{"detail": {"location": [{"prefix": "us-"}], "location": [{"anything-but": "us-east"}]}}';

    // Act
    const results = ['eu-west', 'us-east'].map((location) =>
      matchesEventPattern(pattern, { detail: { location } }),
    );

    // Assess
    expect(results).toEqual([true, false]);
  });

  it('parses an event given as a JSON string', () => {
    // Prepare
    const event = JSON.stringify(ec2Event);

    // Act
    const result = matchesEventPattern(ec2Termination, event);

    // Assess
    expect(result).toBe(true);
  });

  it.each([
    ['invalid JSON text', '{"source": '],
    ['a JSON array', '[{"source": "aws.ec2"}]'],
    ['null', null],
    ['a number', 42],
    ['an array', [ec2Event]],
  ])('never matches an event that is %s', (_name, event) => {
    // Prepare
    const pattern = parseEventPattern({ source: [{ exists: false }] });

    // Act
    const result = pattern.matches(event);

    // Assess
    expect(result).toBe(false);
  });

  it('reads an event object the way JSON.stringify would', () => {
    // Prepare: undefined fields vanish and Dates become strings, as on the wire.
    const event = { when: new Date('2024-05-01T10:00:00Z'), gone: undefined, items: [undefined] };
    const pattern = { when: [{ prefix: '2024-05-01T' }], gone: [{ exists: false }], items: [null] };

    // Act
    const result = matchesEventPattern(pattern, event);

    // Assess
    expect(result).toBe(true);
  });

  it('throws InvalidEventPatternError for an invalid pattern', () => {
    // Prepare
    const pattern = { source: 'aws.ec2' };

    // Act
    const act = () => matchesEventPattern(pattern, ec2Event);

    // Assess
    expect(act).toThrow(InvalidEventPatternError);
  });
});

describe('parseEventPattern', () => {
  it('returns a compiled pattern unchanged', () => {
    // Prepare
    const compiled = parseEventPattern(ec2Termination);

    // Act
    const again = parseEventPattern(compiled);

    // Assess
    expect(again).toBe(compiled);
  });

  it('keeps the pattern as the JSON the service would receive', () => {
    // Prepare
    const pattern = { source: ['aws.ec2'], detail: { state: ['terminated'], skipped: undefined } };

    // Act
    const compiled = parseEventPattern(pattern);

    // Assess
    expect(JSON.parse(JSON.stringify(compiled))).toEqual({
      source: ['aws.ec2'],
      detail: { state: ['terminated'] },
    });
  });

  it.each([
    ['a wildcard that is empty', { s: [{ wildcard: '' }] }],
    ['an empty prefix', { s: [{ prefix: '' }] }],
    ['an empty suffix', { s: [{ suffix: '' }] }],
    ['escaped wildcard characters', { s: [{ wildcard: 'a\\**\\\\' }] }],
    ['numeric = 5e9', { n: [{ numeric: ['=', 5e9] }] }],
    ['numeric with six decimals', { n: [{ numeric: ['>', 0.123456] }] }],
    ['a number beyond the numeric range as an exact value', { n: [123456789012] }],
    ['cidr /0', { ip: [{ cidr: '0.0.0.0/0' }] }],
    ['cidr /127 for IPv6', { ip: [{ cidr: '2001:db8::/127' }] }],
    ['$or with exactly two branches', { $or: [{ a: ['1'] }, { b: ['2'] }] }],
    ['$or as an ordinary key next to fields', { a: ['1'], $or: [{ b: ['2'] }, { c: ['3'] }] }],
    ['anything-but with an empty wildcard', { s: [{ 'anything-but': { wildcard: '' } }] }],
    [
      'anything-but equals-ignore-case list',
      { s: [{ 'anything-but': { 'equals-ignore-case': ['a', 'b'] } }] },
    ],
  ])('accepts %s', (_name, pattern) => {
    // Act
    const compiled = parseEventPattern(pattern);

    // Assess
    expect(compiled.pattern).toEqual(pattern);
  });

  const invalid: [name: string, pattern: unknown, reason: string][] = [
    // Shape
    ['an array (AWS)', '["not", "a", "dict", "but valid json"]', 'Filter is not an object'],
    ['null', 'null', 'Filter is not an object'],
    ['a string', '"source"', 'Filter is not an object'],
    ['undefined', undefined, 'Filter is not an object'],
    ['an empty pattern', {}, 'Empty objects are not allowed'],
    ['an empty nested object', { detail: {} }, 'Empty objects are not allowed'],
    ['a number leaf (AWS)', { int: 42 }, '"int" must be an object or an array'],
    ['a string leaf (AWS)', { string: 'my-value' }, '"string" must be an object or an array'],
    ['a null leaf', { detail: { state: null } }, '"state" must be an object or an array'],
    ['a boolean leaf', { flag: true }, '"flag" must be an object or an array'],
    ['an empty array (AWS)', { resources: [] }, 'Empty arrays are not allowed'],
    ['a nested array value', { x: [['a']] }, 'Match value must be String, number, true, false, or null'],
    ['an empty match expression', { x: [{}] }, 'Match expression name not found'],
    ['an unknown operator', { x: [{ foo: 1 }] }, 'Unrecognized match type foo'],
    ['an upper-case operator (AWS)', { my_key: [{ EXISTS: true }] }, 'Unrecognized match type EXISTS'],
    [
      'an upper-case numeric (AWS)',
      { detail: { equal: [{ NUMERIC: ['=', 5] }] } },
      'Unrecognized match type NUMERIC',
    ],
    ['contains, which EventBridge lacks', { x: [{ contains: 'a' }] }, 'Unrecognized match type contains'],
    // Prefix and suffix
    ['a number prefix (AWS)', { time: [{ prefix: 123 }] }, 'prefix match pattern must be a string'],
    ['a list prefix (AWS)', { time: [{ prefix: ['2022-07-13'] }] }, 'prefix match pattern must be a string'],
    [
      'two operators in one expression',
      { x: [{ prefix: 'a', suffix: 'b' }] },
      'Only one key allowed in match expression',
    ],
    ['an unknown prefix option', { x: [{ prefix: { foo: 'a' } }] }, 'Unsupported prefix pattern: foo'],
    ['an empty prefix option', { x: [{ prefix: {} }] }, 'Prefix expression name not found'],
    [
      'a number in prefix equals-ignore-case',
      { x: [{ prefix: { 'equals-ignore-case': 1 } }] },
      'equals-ignore-case match pattern must be a string',
    ],
    ['a number suffix (AWS)', { FileName: [{ suffix: 123 }] }, 'suffix match pattern must be a string'],
    ['a list suffix (AWS)', { FileName: [{ suffix: ['.png'] }] }, 'suffix match pattern must be a string'],
    [
      'a suffix with a prefix option',
      { x: [{ suffix: { prefix: 'a' } }] },
      'Unsupported suffix pattern: prefix',
    ],
    // Equals-ignore-case and wildcard
    [
      'a list in equals-ignore-case (AWS)',
      { 'detail-type': [{ 'equals-ignore-case': ['ec2 instance state-change notification'] }] },
      'equals-ignore-case match pattern must be a string',
    ],
    [
      'an object in equals-ignore-case (AWS)',
      { 'detail-type': [{ 'equals-ignore-case': { prefix: 'ec2' } }] },
      'equals-ignore-case match pattern must be a string',
    ],
    [
      'a number wildcard (AWS)',
      { EventBusArn: [{ wildcard: 123 }] },
      'wildcard match pattern must be a string',
    ],
    [
      'a list wildcard (AWS)',
      { EventBusArn: [{ wildcard: ['arn:aws:events:us-east-1:*:event-bus/*'] }] },
      'wildcard match pattern must be a string',
    ],
    [
      'consecutive wildcards (AWS)',
      { EventBusArn: [{ wildcard: 'arn:aws:events:us-east-1:**:event-bus/*' }] },
      'Consecutive wildcard characters at pos 26',
    ],
    [
      'consecutive wildcards after a multi-byte character',
      { s: [{ wildcard: 'é**' }] },
      'Consecutive wildcard characters at pos 3',
    ],
    ['a backslash escaping a letter', { s: [{ wildcard: 'a\\b' }] }, 'Invalid escape character at pos 2'],
    ['a trailing backslash', { s: [{ wildcard: 'abc\\' }] }, 'Invalid escape character at pos 4'],
    // Exists
    [
      'exists given a string',
      { x: [{ exists: 'true' }] },
      'exists match pattern must be either true or false.',
    ],
    ['exists given null', { x: [{ exists: null }] }, 'exists match pattern must be either true or false.'],
    [
      'exists with another key',
      { x: [{ exists: true, prefix: 'a' }] },
      'Only one key allowed in match expression',
    ],
    // Numeric
    ['numeric given a number', { n: [{ numeric: 5 }] }, 'Value of numeric must be an array.'],
    ['numeric given an empty array', { n: [{ numeric: [] }] }, 'Invalid member in numeric match: ]'],
    ['numeric starting with a number', { n: [{ numeric: [5, '>'] }] }, 'Invalid member in numeric match: 5'],
    [
      'numeric with an unknown operator',
      { n: [{ numeric: ['!=', 5] }] },
      'Unrecognized numeric range operator: !=',
    ],
    ['numeric = with a string', { n: [{ numeric: ['=', '5'] }] }, 'Value of equals must be numeric'],
    [
      'numeric = with a second comparison',
      { n: [{ numeric: ['=', 5, '<', 6] }] },
      'Too many elements in numeric expression',
    ],
    ['numeric > with a string', { n: [{ numeric: ['>', '0'] }] }, 'Value of > must be numeric'],
    ['numeric >= without a value', { n: [{ numeric: ['>='] }] }, 'Value of >= must be numeric'],
    [
      'numeric with two lower bounds (AWS)',
      { detail: { 'c-count': [{ numeric: ['>', 0, '>', 0] }] } },
      'Bad numeric range operator: >',
    ],
    [
      'numeric range missing its upper value (AWS)',
      { detail: { 'c-count': [{ numeric: ['>', 0, '<'] }] } },
      'Value of < must be numeric',
    ],
    [
      'numeric with the upper bound first',
      { n: [{ numeric: ['<', 5, '>=', 0] }] },
      'Too many elements in numeric expression',
    ],
    [
      'numeric range with a number for an operator',
      { n: [{ numeric: ['>', 0, 5, 10] }] },
      'Bad value in numeric range: 5',
    ],
    [
      'numeric range with three comparisons',
      { n: [{ numeric: ['>', 0, '<', 10, '<', 20] }] },
      'Too many terms in numeric range expression',
    ],
    [
      'numeric range with lower above upper',
      { n: [{ numeric: ['>', 10, '<', 5] }] },
      'Bottom must be less than top',
    ],
    [
      'numeric range with equal bounds',
      { n: [{ numeric: ['>=', 5, '<=', 5] }] },
      'Bottom must be less than top',
    ],
    ['numeric > beyond 5e9', { n: [{ numeric: ['>', 6e9] }] }, 'Bottom must be less than top'],
    [
      'numeric < beyond 5e9',
      { n: [{ numeric: ['<', 6e9] }] },
      'Value must be between -5.0E9 and 5.0E9, inclusive',
    ],
    [
      'numeric with seven decimals',
      { n: [{ numeric: ['=', 0.1234567] }] },
      'Only values upto 6 decimals are supported',
    ],
    [
      'numeric with another key',
      { n: [{ numeric: ['>', 0], prefix: 'a' }] },
      'Too many elements in numeric expression',
    ],
    // Anything-but
    [
      'anything-but null',
      { s: [{ 'anything-but': null }] },
      'Value of anything-but must be an array or single string/number value.',
    ],
    [
      'anything-but a boolean',
      { s: [{ 'anything-but': true }] },
      'Value of anything-but must be an array or single string/number value.',
    ],
    [
      'anything-but an empty list',
      { s: [{ 'anything-but': [] }] },
      'Inside anything but list, either all values are number or string, mixed type is not supported',
    ],
    [
      'anything-but a mixed list',
      { s: [{ 'anything-but': ['a', 1] }] },
      'Inside anything but list, either all values are number or string, mixed type is not supported',
    ],
    [
      'anything-but a list with null (AWS wording)',
      { s: [{ 'anything-but': ['a', null] }] },
      'Inside anything but list, start|null|boolean is not supported.',
    ],
    [
      'anything-but a number beyond 5e9',
      { s: [{ 'anything-but': 6e9 }] },
      'Value must be between -5.0E9 and 5.0E9, inclusive',
    ],
    [
      'anything-but with an unknown option',
      { s: [{ 'anything-but': { foo: 'a' } }] },
      'Unsupported anything-but pattern: foo',
    ],
    [
      'anything-but with an empty option',
      { s: [{ 'anything-but': {} }] },
      'Anything-But expression name not found',
    ],
    [
      'anything-but an empty prefix',
      { s: [{ 'anything-but': { prefix: '' } }] },
      'Null prefix/suffix not allowed',
    ],
    [
      'anything-but an empty suffix in a list',
      { s: [{ 'anything-but': { suffix: ['.png', ''] } }] },
      'Null prefix/suffix not allowed',
    ],
    [
      'anything-but a number prefix (AWS)',
      { detail: { state: [{ 'anything-but': { prefix: 123 } }] } },
      'prefix/suffix match pattern must be a string',
    ],
    [
      'anything-but a prefix list with a number (AWS)',
      { detail: { state: [{ 'anything-but': { prefix: [123, 'test'] } }] } },
      'prefix/suffix match pattern must be a string',
    ],
    [
      'anything-but a suffix list with a number (AWS)',
      { detail: { FileName: [{ 'anything-but': { suffix: [123, '.txt'] } }] } },
      'prefix/suffix match pattern must be a string',
    ],
    [
      'anything-but a number suffix (AWS)',
      { detail: { FileName: [{ 'anything-but': { suffix: 123 } }] } },
      'prefix/suffix match pattern must be a string',
    ],
    [
      'anything-but prefix with equals-ignore-case (AWS)',
      { detail: { FileName: [{ 'anything-but': { prefix: { 'equals-ignore-case': 'file' } } }] } },
      'Value of anything-but must be an array or single string/number value.',
    ],
    [
      'anything-but suffix with equals-ignore-case (AWS)',
      { detail: { FileName: [{ 'anything-but': { suffix: { 'equals-ignore-case': '.png' } } }] } },
      'Value of anything-but must be an array or single string/number value.',
    ],
    [
      'anything-but equals-ignore-case a number (AWS)',
      { detail: { state: [{ 'anything-but': { 'equals-ignore-case': 123 } }] } },
      'Inside anything-but/equals-ignore-case list, number|start|null|boolean is not supported.',
    ],
    [
      'anything-but equals-ignore-case numbers (AWS)',
      { detail: { state: [{ 'anything-but': { 'equals-ignore-case': [123, 456] } }] } },
      'Inside anything-but/equals-ignore-case list, number|start|null|boolean is not supported.',
    ],
    [
      'anything-but a number wildcard (AWS)',
      { detail: { FilePath: [{ 'anything-but': { wildcard: 123 } }] } },
      'wildcard match pattern must be a string',
    ],
    [
      'anything-but a wildcard list with a number (AWS)',
      { detail: { state: [{ 'anything-but': { wildcard: [123, '*/dir/*'] } }] } },
      'wildcard match pattern must be a string',
    ],
    [
      'anything-but a consecutive wildcard',
      { s: [{ 'anything-but': { wildcard: 'a**' } }] },
      'Consecutive wildcard characters at pos 2',
    ],
    [
      'anything-but with two options',
      { s: [{ 'anything-but': { prefix: 'a', suffix: 'b' } }] },
      'Too many elements in numeric expression',
    ],
    [
      'anything-but with another key',
      { s: [{ 'anything-but': 'a', prefix: 'b' }] },
      'Too many elements in numeric expression',
    ],
    // CIDR
    [
      'cidr given a list (AWS)',
      { detail: { sourceIPAddress: [{ cidr: ['bad-type'] }] } },
      'prefix match pattern must be a string',
    ],
    ['cidr without a mask (AWS)', { ip: [{ cidr: '10.0.0.0' }] }, "Malformed CIDR, one '/' required"],
    ['cidr with two slashes', { ip: [{ cidr: '10.0.0.0/8/8' }] }, "Malformed CIDR, one '/' required"],
    ['cidr with an empty mask', { ip: [{ cidr: '10.0.0.0/' }] }, "Malformed CIDR, one '/' required"],
    [
      'cidr with a word for a mask (AWS)',
      { ip: [{ cidr: '10.0.0.0/xx' }] },
      'Malformed CIDR, mask bits must be an integer',
    ],
    [
      'cidr with a negative mask',
      { ip: [{ cidr: '10.0.0.0/-1' }] },
      'Malformed CIDR, mask bits must not be negative',
    ],
    ['cidr with a non-address (AWS)', { ip: [{ cidr: 'xx.11.xx/24' }] }, 'Nonstandard IP address: xx.11.xx'],
    [
      'cidr with a non-address IPv6 (AWS)',
      { ip: [{ cidr: 'xxxx:db8:1234:1a00::/64' }] },
      'Nonstandard IP address: xxxx:db8:1234:1a00::',
    ],
    ['cidr with an out-of-range octet', { ip: [{ cidr: '999.0.0.0/8' }] }, 'Invalid IP address: 999.0.0.0'],
    ['cidr with a malformed IPv6', { ip: [{ cidr: '2001:::1/64' }] }, 'Invalid IP address: 2001:::1'],
    ['cidr /32', { ip: [{ cidr: '10.0.0.1/32' }] }, 'IPv4 mask bits must be < 32'],
    ['cidr /128', { ip: [{ cidr: '2001:db8::1/128' }] }, 'IPv6 mask bits must be < 128'],
    // $or
    ['$or given an object', { $or: { a: ['1'] } }, 'It must be an Array followed with $or.'],
    [
      '$or with one branch',
      { $or: [{ a: ['1'] }] },
      'There must have at least 2 Objects in $or relationship.',
    ],
    ['$or with no branch', { $or: [] }, 'There must have at least 2 Objects in $or relationship.'],
    [
      '$or with a string branch',
      { $or: [{ a: ['1'] }, 'b'] },
      'Only JSON object is allowed in array of $or relationship.',
    ],
    ['$or with an empty branch', { $or: [{ a: ['1'] }, {}] }, 'Empty objects are not allowed'],
    [
      'an operator name as a field in $or (ruler)',
      { $or: [{ numeric: 123 }, { prefix: 'abc' }] },
      'numeric is Ruler reserved fieldName which cannot be used inside $or.',
    ],
    [
      'an operator name nested in $or',
      { $or: [{ detail: { prefix: ['a'] } }, { b: ['c'] }] },
      'prefix is Ruler reserved fieldName which cannot be used inside $or.',
    ],
    [
      'a leaf inside $or that is not an array',
      { $or: [{ a: '1' }, { b: ['2'] }] },
      '"a" must be an object or an array',
    ],
  ];

  it.each(invalid)('rejects %s', (_name, pattern, reason) => {
    // Act
    let error: unknown;
    try {
      parseEventPattern(pattern);
    } catch (caught) {
      error = caught;
    }

    // Assess
    expect(error).toBeInstanceOf(InvalidEventPatternError);
    expect((error as Error).message).toBe(`Event pattern is not valid. Reason: ${reason}`);
  });

  it.each([
    ['text that is not JSON', "{'bad': 'quotation'}"],
    ['unterminated JSON', '{"a": ['],
    ['a value JSON cannot carry', { big: 1n }],
  ])('rejects %s with the parser reason', (_name, pattern) => {
    // Act
    const act = () => parseEventPattern(pattern);

    // Assess
    expect(act).toThrow(/^Event pattern is not valid\. Reason: \S/);
  });
});
