// Drives the official HighLevel Node SDK (@gohighlevel/api-client) against a fake.
// Usage: node highlevel_sdk.js <node_modules dir> <base URL> <token> <locationId>
// The only change to the SDK's default configuration is its base URL. Prints one JSON
// object: each call's answer, or {error: {statusCode, message}} when the SDK threw.
'use strict';
const path = require('path');

const [modules, baseUrl, token, locationId] = process.argv.slice(2);
const sdk = require(path.join(modules, '@gohighlevel', 'api-client'));
const HighLevel = sdk.HighLevel || sdk.default;
HighLevel.BASE_URL = baseUrl; // read by the constructor; everything else stays default

const BLOG = 'zLTDthc4YJph2m42VEAU';
const MUSIC = '6683abde331c041f32c07aee';
const MAJA = '659ec9634a3796e4e47cc360';

async function step(out, name, call) {
  try {
    out[name] = await call();
  } catch (err) {
    out[name] = { error: { statusCode: err.statusCode ?? err.response?.status ?? null,
                           message: err.response?.data?.message ?? err.message } };
  }
}

async function main() {
  const ghl = new HighLevel({ privateIntegrationToken: token });
  const out = { version: ghl.httpClient?.defaults?.headers?.Version ?? null };
  const { blogs, emails } = ghl;
  const loc = locationId;
  await step(out, 'getBlogs', () => blogs.getBlogs({ locationId: loc, skip: 0, limit: 5 }));
  await step(out, 'getBlogPost', () => blogs.getBlogPost(
    { locationId: loc, blogId: BLOG, limit: 50, offset: 0, status: 'PUBLISHED' }));
  await step(out, 'getAllCategoriesByLocation', () => blogs.getAllCategoriesByLocation(
    { locationId: loc, limit: 5, offset: 0 }));
  await step(out, 'getAllBlogAuthorsByLocation', () => blogs.getAllBlogAuthorsByLocation(
    { locationId: loc, limit: 5, offset: 0 }));
  await step(out, 'checkUrlSlugExists', () => blogs.checkUrlSlugExists(
    { urlSlug: 'welcome', locationId: loc }));
  const post = {
    title: 'From the Node SDK', locationId: loc, blogId: BLOG,
    imageUrl: 'https://img.test/node.png', description: 'Made by @gohighlevel/api-client',
    rawHTML: '<p>node</p>', status: 'DRAFT', imageAltText: 'node', categories: [MUSIC],
    author: MAJA, urlSlug: 'from-the-node-sdk', publishedAt: '2026-06-01T10:00:00.000Z' };
  await step(out, 'createBlogPost', () => blogs.createBlogPost(post));
  const postId = out.createBlogPost?.data?._id;
  await step(out, 'updateBlogPost', () => blogs.updateBlogPost(
    { postId }, { ...post, title: 'Updated by the Node SDK', rawHTML: '<p>node 2</p>',
                  wordCount: 2, status: 'PUBLISHED' }));
  await step(out, 'createTemplate', () => emails.createTemplate(
    { locationId: loc, type: 'html', title: 'Node SDK template', name: 'Node SDK template',
      updatedBy: 'zYy3YOUuHxgomU1uYJty', builderVersion: '2' }));
  const templateId = out.createTemplate?.redirect;
  await step(out, 'updateTemplate', () => emails.updateTemplate(
    { locationId: loc, templateId, updatedBy: 'zYy3YOUuHxgomU1uYJty',
      html: '<p>Hi {{contact.first_name}}</p>', editorType: 'html',
      dnd: { elements: [], attrs: {}, templateSettings: {} }, previewText: 'Hi' }));
  await step(out, 'fetchTemplate', () => emails.fetchTemplate(
    { locationId: loc, limit: '50', offset: '0', templatesOnly: 'true' }));
  await step(out, 'deleteTemplate', () => emails.deleteTemplate(
    { locationId: loc, templateId }));
  await step(out, 'fetchCampaigns', () => emails.fetchCampaigns(
    { locationId: loc, limit: 5, offset: 0 }));
  await step(out, 'unknownQuery', () => blogs.getAllBlogAuthorsByLocation(
    { locationId: loc, limit: 5, offset: 0 }, { params: { locationId: loc, limit: 5,
                                                           offset: 0, skip: 0 } }));
  process.stdout.write(JSON.stringify(out));
}

main().catch((err) => { process.stderr.write(String(err && err.stack || err)); process.exit(1); });
