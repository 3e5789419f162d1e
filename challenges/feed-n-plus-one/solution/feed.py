"""Read models for the home page, each built with a fixed number of queries."""

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload, selectinload

from models import Author, Comment, Post, Tag


def build_feed(session: Session, *, limit: int = 20, tag: str | None = None) -> list[dict]:
    """The newest published posts, optionally only those carrying `tag`."""
    # Counting in SQL avoids loading every comment row just to take len() of it.
    comment_count = (
        select(func.count(Comment.id)).where(Comment.post_id == Post.id).scalar_subquery()
    )
    stmt = (
        select(Post, comment_count)
        .where(Post.published_at.is_not(None))
        .order_by(Post.published_at.desc(), Post.id.desc())
        .limit(limit)
        # Many-to-one: one JOIN. Collection: one extra SELECT ... WHERE post_id IN (...), which,
        # unlike a join, keeps LIMIT counting posts and keeps every tag when filtering by one.
        .options(joinedload(Post.author), selectinload(Post.tags))
    )
    if tag is not None:
        stmt = stmt.where(Post.tags.any(Tag.name == tag))
    return [
        {
            "id": post.id,
            "title": post.title,
            "published_at": post.published_at.isoformat(),
            "author": {"id": post.author.id, "name": post.author.name},
            "tags": sorted(t.name for t in post.tags),
            "comment_count": comments,
        }
        for post, comments in session.execute(stmt)
    ]


def author_stats(session: Session) -> list[dict]:
    """Every author with their number of published posts and of comments on those posts."""
    published = (Post.author_id == Author.id) & Post.published_at.is_not(None)
    posts = select(func.count(Post.id)).where(published).scalar_subquery()
    comments = select(func.count(Comment.id)).join(Comment.post).where(published).scalar_subquery()
    stmt = select(Author.id, Author.name, posts, comments).order_by(Author.name, Author.id)
    return [
        {"author_id": author_id, "name": name, "published_posts": n_posts, "comments_received": n_comments}
        for author_id, name, n_posts, n_comments in session.execute(stmt)
    ]
